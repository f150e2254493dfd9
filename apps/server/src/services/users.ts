import { eq } from "drizzle-orm";
import { type PublicUser, users } from "@marginalia/schema/tables";
import { hashPassword } from "../auth/password.ts";
import { type Db, isUniqueViolation } from "../db.ts";
import { ApiError } from "../errors.ts";

export async function createUser(
  db: Db,
  input: { email: string; name: string; password: string },
): Promise<PublicUser> {
  const passwordHash = await hashPassword(input.password);
  try {
    const [user] = await db
      .insert(users)
      // Stored lower-cased whoever calls, so that findUserByEmail always finds it.
      .values({ email: input.email.trim().toLowerCase(), name: input.name, passwordHash })
      .returning({ id: users.id, email: users.email, name: users.name });
    return user!;
  } catch (err) {
    if (isUniqueViolation(err)) throw new ApiError("conflict", "An account with this email exists", "email");
    throw err;
  }
}

export async function findUserByEmail(db: Db, email: string) {
  const [user] = await db.select().from(users).where(eq(users.email, email.trim().toLowerCase()));
  return user;
}

export async function setPassword(db: Db, userId: string, password: string) {
  await db.update(users).set({ passwordHash: await hashPassword(password) }).where(eq(users.id, userId));
}

export async function renameUser(db: Db, userId: string, name: string): Promise<PublicUser> {
  const [user] = await db.update(users).set({ name }).where(eq(users.id, userId)).returning({ id: users.id, email: users.email, name: users.name });
  if (!user) throw new ApiError("unauthenticated", "This account no longer exists");
  return user;
}
