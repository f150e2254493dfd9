CREATE INDEX "annotations_group_position_idx" ON "annotations" USING btree ("group_id",coalesce("start_pos", 2147483647),"id");--> statement-breakpoint
CREATE INDEX "annotations_group_created_idx" ON "annotations" USING btree ("group_id","created_at","id");--> statement-breakpoint
CREATE INDEX "annotations_group_updated_idx" ON "annotations" USING btree ("group_id","updated_at","id");