CREATE TABLE "doc_client_ids" (
	"doc_name" text NOT NULL,
	"client_id" bigint NOT NULL,
	"user_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "doc_client_ids_doc_name_client_id_pk" PRIMARY KEY("doc_name","client_id")
);
--> statement-breakpoint
ALTER TABLE "doc_client_ids" ADD CONSTRAINT "doc_client_ids_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;