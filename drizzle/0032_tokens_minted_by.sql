ALTER TABLE "api_tokens" ADD COLUMN "minted_by" text;--> statement-breakpoint
ALTER TABLE "api_tokens" ADD CONSTRAINT "api_tokens_minted_by_api_tokens_id_fk" FOREIGN KEY ("minted_by") REFERENCES "public"."api_tokens"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "api_tokens_minted_by_idx" ON "api_tokens" USING btree ("minted_by");