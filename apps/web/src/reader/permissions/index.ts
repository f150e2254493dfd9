/** What the reader offers whom: the shared policy's answers (packages/schema/src/policy). */
export { canModerate, canWrite } from "./permissions.ts";
