import * as v from 'valibot';

/**
 * A platform's own id for the customer a workspace serves (Airbyte-style `external_id`).
 *
 * @example
 * v.is(ExternalId, 'customer-42'); // true
 */
export const ExternalId = v.pipe(
  v.string(),
  v.minLength(1, 'must not be empty'),
  v.maxLength(200, 'must be at most 200 characters'),
  v.regex(/^[A-Za-z0-9_.:@-]+$/, 'may only contain A-Z a-z 0-9 _ . : @ -'),
);

const WorkspaceName = v.pipe(
  v.string(),
  v.trim(),
  v.minLength(1, 'must not be empty'),
  v.maxLength(200, 'must be at most 200 characters'),
);

/**
 * Body of "create a workspace" on the control socket (CLI) and the admin API.
 *
 * @example
 * { "name": "Buyer app", "test": false, "external_id": "customer-42" }
 */
export const CreateWorkspaceBody = v.strictObject({
  name: WorkspaceName,
  test: v.optional(v.boolean(), false),
  external_id: v.optional(ExternalId),
});
export type CreateWorkspaceBody = v.InferOutput<typeof CreateWorkspaceBody>;

/**
 * Body of "ensure the workspace for an external_id" (admin API): created once, then returned.
 *
 * @example
 * { "name": "Acme", "test": false }
 */
export const EnsureWorkspaceBody = v.strictObject({
  name: WorkspaceName,
  test: v.optional(v.boolean(), false),
});
export type EnsureWorkspaceBody = v.InferOutput<typeof EnsureWorkspaceBody>;
