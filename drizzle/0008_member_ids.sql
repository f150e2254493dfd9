CREATE TABLE "member_ids" (
	"group_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"member_id" uuid DEFAULT gen_random_uuid() NOT NULL,
	CONSTRAINT "member_ids_group_id_user_id_pk" PRIMARY KEY("group_id","user_id")
);
--> statement-breakpoint
ALTER TABLE "member_ids" ADD CONSTRAINT "member_ids_group_id_groups_id_fk" FOREIGN KEY ("group_id") REFERENCES "public"."groups"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "member_ids" ADD CONSTRAINT "member_ids_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "member_ids_member_idx" ON "member_ids" USING btree ("group_id","member_id");--> statement-breakpoint
-- Work done before member ids existed names its authors by account id inside the stored documents, which SQL
-- cannot rewrite: members of that time keep their account id as their member id, so that their work stays theirs.
INSERT INTO "member_ids" ("group_id", "user_id", "member_id")
SELECT "group_id", "user_id", "user_id" FROM "memberships"
ON CONFLICT DO NOTHING;--> statement-breakpoint
-- Whichever code path adds a membership, the member gets an id: a random one in a group anonymous to peers.
CREATE FUNCTION "member_ids_for_membership"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO "member_ids" ("group_id", "user_id", "member_id")
	SELECT NEW."group_id", NEW."user_id", CASE WHEN g."anonymous_to_peers" THEN gen_random_uuid() ELSE NEW."user_id" END
	FROM "groups" g WHERE g."id" = NEW."group_id"
	ON CONFLICT DO NOTHING;
	RETURN NEW;
END
$$;--> statement-breakpoint
CREATE TRIGGER "memberships_member_id" AFTER INSERT ON "memberships"
FOR EACH ROW EXECUTE FUNCTION "member_ids_for_membership"();
