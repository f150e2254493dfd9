-- Claims are kept by member id, the id the document's authorization compares. Earlier claims were made by
-- members whose member id is their account id (0008), so the values carry over.
ALTER TABLE "doc_client_ids" DROP CONSTRAINT "doc_client_ids_user_id_users_id_fk";--> statement-breakpoint
ALTER TABLE "doc_client_ids" RENAME COLUMN "user_id" TO "member_id";
