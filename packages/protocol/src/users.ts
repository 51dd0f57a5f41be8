import * as v from 'valibot';
import { Cursor, CustomData, LimitParam, page, Timestamp } from './common';
import { UserId } from './ids';

/** A user's role in the workspace: admins may moderate any channel. */
export const UserRole = v.picklist(['user', 'admin']);
export type UserRole = v.InferOutput<typeof UserRole>;

/**
 * `PUT /v1/users/:id` — create or update a user (server key pair only). Omitted fields keep
 * their value on update.
 *
 * @example
 * { "name": "Alice", "image": "https://…/alice.png", "role": "user" }
 */
export const UpsertUserBody = v.strictObject({
  name: v.optional(
    v.nullable(v.pipe(v.string(), v.maxLength(200, 'must be at most 200 characters'))),
  ),
  image: v.optional(
    v.nullable(
      v.pipe(
        v.string(),
        v.url('must be a URL'),
        v.maxLength(2048, 'must be at most 2048 characters'),
      ),
    ),
  ),
  custom: v.optional(CustomData),
  role: v.optional(UserRole),
  banned: v.optional(v.boolean()),
});
export type UpsertUserBody = v.InferOutput<typeof UpsertUserBody>;

/**
 * A user as the API returns it.
 *
 * @example
 * { "id": "alice", "name": "Alice", "role": "user", "banned": false, … }
 */
export const User = v.object({
  id: UserId,
  name: v.nullable(v.string()),
  image: v.nullable(v.string()),
  custom: v.record(v.string(), v.unknown()),
  role: UserRole,
  banned: v.boolean(),
  created_at: Timestamp,
  updated_at: Timestamp,
});
export type User = v.InferOutput<typeof User>;

/** `GET /v1/users` query. */
export const ListUsersQuery = v.strictObject({ limit: LimitParam, cursor: v.optional(Cursor) });
export type ListUsersQuery = v.InferOutput<typeof ListUsersQuery>;

/** `GET /v1/users` response. */
export const UserPage = page(User);
export type UserPage = v.InferOutput<typeof UserPage>;
