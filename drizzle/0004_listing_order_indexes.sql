DROP INDEX "annotations_article_position_idx";--> statement-breakpoint
CREATE INDEX "annotations_article_created_idx" ON "annotations" USING btree ("article_id","created_at","id");--> statement-breakpoint
CREATE INDEX "annotations_article_updated_idx" ON "annotations" USING btree ("article_id","updated_at","id");--> statement-breakpoint
CREATE INDEX "annotations_article_position_idx" ON "annotations" USING btree ("article_id",coalesce("start_pos", 2147483647),"id");