/**
 * The initial schema (SPEC §1, §5). Every tenant table carries `workspace_id`, and every primary
 * key, unique constraint and foreign key of a tenant table includes it, so the schema can be
 * distributed by workspace (Citus) and a junction row cannot point into another workspace.
 * `workspaces`, `api_keys` and `api_key_workspaces` are the global (reference) tables.
 */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

const statements: ReadonlyArray<string> = [
  `CREATE TABLE workspaces (
    id uuid PRIMARY KEY,
    name text NOT NULL,
    created_at timestamptz(3) NOT NULL DEFAULT now()
  )`,

  // Only the SHA-256 of a secret is stored.
  `CREATE TABLE api_keys (
    id uuid PRIMARY KEY,
    secret_sha256 bytea NOT NULL UNIQUE CHECK (octet_length(secret_sha256) = 32),
    scopes text[] NOT NULL CHECK (scopes <@ ARRAY['people:read', 'people:write']::text[]),
    default_workspace_id uuid NOT NULL REFERENCES workspaces (id),
    expires_at timestamptz(3),
    revoked_at timestamptz(3),
    last_used_at timestamptz(3),
    created_at timestamptz(3) NOT NULL DEFAULT now()
  )`,
  `CREATE TABLE api_key_workspaces (
    api_key_id uuid NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
    workspace_id uuid NOT NULL REFERENCES workspaces (id),
    PRIMARY KEY (api_key_id, workspace_id)
  )`,
  // The default workspace must be one of the key's memberships; deferred, because the key and
  // its memberships reference each other and are inserted together.
  `ALTER TABLE api_keys ADD CONSTRAINT api_keys_default_workspace_is_member
    FOREIGN KEY (id, default_workspace_id) REFERENCES api_key_workspaces (api_key_id, workspace_id)
    DEFERRABLE INITIALLY DEFERRED`,

  `CREATE TABLE people (
    workspace_id uuid NOT NULL REFERENCES workspaces (id),
    id uuid NOT NULL,
    first_name text NOT NULL,
    last_name text NOT NULL,
    job_title text,
    full_name text NOT NULL,
    version integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at timestamptz(3) NOT NULL DEFAULT now(),
    updated_at timestamptz(3) NOT NULL DEFAULT now(),
    deleted_at timestamptz(3),
    PRIMARY KEY (workspace_id, id)
  )`,

  `CREATE TABLE companies (
    workspace_id uuid NOT NULL REFERENCES workspaces (id),
    id uuid NOT NULL,
    name text NOT NULL,
    description text,
    domain text,
    created_at timestamptz(3) NOT NULL DEFAULT now(),
    updated_at timestamptz(3) NOT NULL DEFAULT now(),
    deleted_at timestamptz(3),
    PRIMARY KEY (workspace_id, id)
  )`,
  `CREATE TABLE emails (
    workspace_id uuid NOT NULL REFERENCES workspaces (id),
    id uuid NOT NULL,
    value text NOT NULL CHECK (char_length(value) BETWEEN 1 AND 320),
    label text NOT NULL DEFAULT 'work' CHECK (label IN ('work', 'personal', 'other')),
    created_at timestamptz(3) NOT NULL DEFAULT now(),
    updated_at timestamptz(3) NOT NULL DEFAULT now(),
    deleted_at timestamptz(3),
    PRIMARY KEY (workspace_id, id)
  )`,
  `CREATE TABLE phones (
    workspace_id uuid NOT NULL REFERENCES workspaces (id),
    id uuid NOT NULL,
    e164_number text NOT NULL CHECK (e164_number ~ '^\\+[0-9]{8,15}$'),
    label text NOT NULL DEFAULT 'mobile' CHECK (label IN ('mobile', 'work', 'home', 'other')),
    created_at timestamptz(3) NOT NULL DEFAULT now(),
    updated_at timestamptz(3) NOT NULL DEFAULT now(),
    deleted_at timestamptz(3),
    PRIMARY KEY (workspace_id, id)
  )`,
  `CREATE TABLE web_links (
    workspace_id uuid NOT NULL REFERENCES workspaces (id),
    id uuid NOT NULL,
    url text NOT NULL,
    platform text NOT NULL DEFAULT 'website'
      CHECK (platform IN ('twitter', 'linkedin', 'github', 'instagram', 'facebook', 'website', 'other')),
    created_at timestamptz(3) NOT NULL DEFAULT now(),
    updated_at timestamptz(3) NOT NULL DEFAULT now(),
    deleted_at timestamptz(3),
    PRIMARY KEY (workspace_id, id)
  )`,

  // Junctions. The primary key is the link itself (no duplicate link rows). Both foreign keys
  // include workspace_id, so a link can only join a person and a target of the same workspace.
  // link_seq orders links oldest first; rows attached by one statement get it in request order.
  // The reverse index serves the target-side foreign key.
  `CREATE TABLE person_companies (
    workspace_id uuid NOT NULL,
    person_id uuid NOT NULL,
    company_id uuid NOT NULL,
    relationship_type text NOT NULL DEFAULT 'other'
      CHECK (relationship_type IN ('owner', 'employee', 'contact', 'other')),
    link_seq bigint GENERATED ALWAYS AS IDENTITY,
    created_at timestamptz(3) NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, person_id, company_id),
    FOREIGN KEY (workspace_id, person_id) REFERENCES people (workspace_id, id) ON DELETE CASCADE,
    FOREIGN KEY (workspace_id, company_id) REFERENCES companies (workspace_id, id) ON DELETE CASCADE
  )`,
  `CREATE INDEX person_companies_target ON person_companies (workspace_id, company_id)`,

  // At most one primary per person and kind. A deferrable exclusion constraint is checked at the
  // end of the statement rather than row by row (a partial unique index cannot be deferred), so
  // a save that demotes one link and promotes another in one statement never trips over itself.
  `CREATE TABLE person_emails (
    workspace_id uuid NOT NULL,
    person_id uuid NOT NULL,
    email_id uuid NOT NULL,
    is_primary boolean NOT NULL DEFAULT false,
    link_seq bigint GENERATED ALWAYS AS IDENTITY,
    created_at timestamptz(3) NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, person_id, email_id),
    FOREIGN KEY (workspace_id, person_id) REFERENCES people (workspace_id, id) ON DELETE CASCADE,
    FOREIGN KEY (workspace_id, email_id) REFERENCES emails (workspace_id, id) ON DELETE CASCADE,
    CONSTRAINT person_emails_one_primary EXCLUDE USING btree (workspace_id WITH =, person_id WITH =)
      WHERE (is_primary) DEFERRABLE INITIALLY IMMEDIATE
  )`,
  `CREATE INDEX person_emails_target ON person_emails (workspace_id, email_id)`,

  `CREATE TABLE person_phones (
    workspace_id uuid NOT NULL,
    person_id uuid NOT NULL,
    phone_id uuid NOT NULL,
    is_primary boolean NOT NULL DEFAULT false,
    link_seq bigint GENERATED ALWAYS AS IDENTITY,
    created_at timestamptz(3) NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, person_id, phone_id),
    FOREIGN KEY (workspace_id, person_id) REFERENCES people (workspace_id, id) ON DELETE CASCADE,
    FOREIGN KEY (workspace_id, phone_id) REFERENCES phones (workspace_id, id) ON DELETE CASCADE,
    CONSTRAINT person_phones_one_primary EXCLUDE USING btree (workspace_id WITH =, person_id WITH =)
      WHERE (is_primary) DEFERRABLE INITIALLY IMMEDIATE
  )`,
  `CREATE INDEX person_phones_target ON person_phones (workspace_id, phone_id)`,

  `CREATE TABLE person_web_links (
    workspace_id uuid NOT NULL,
    person_id uuid NOT NULL,
    web_link_id uuid NOT NULL,
    link_seq bigint GENERATED ALWAYS AS IDENTITY,
    created_at timestamptz(3) NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, person_id, web_link_id),
    FOREIGN KEY (workspace_id, person_id) REFERENCES people (workspace_id, id) ON DELETE CASCADE,
    FOREIGN KEY (workspace_id, web_link_id) REFERENCES web_links (workspace_id, id) ON DELETE CASCADE
  )`,
  `CREATE INDEX person_web_links_target ON person_web_links (workspace_id, web_link_id)`,

  // One record per effective change; (person, to_version) is unique, so the chain has no forks.
  // actor_key_id has no foreign key: the audit trail outlives keys, and keys are global rows.
  `CREATE TABLE person_changes (
    workspace_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    person_id uuid NOT NULL,
    from_version integer NOT NULL,
    to_version integer NOT NULL CHECK (to_version = from_version + 1),
    actor_key_id uuid NOT NULL,
    trace_id text,
    occurred_at timestamptz(3) NOT NULL,
    attributes jsonb NOT NULL DEFAULT '{}',
    links jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (workspace_id, id),
    UNIQUE (workspace_id, person_id, to_version),
    FOREIGN KEY (workspace_id, person_id) REFERENCES people (workspace_id, id)
  )`
]

/** Runs the statements above in order (inside the migrator's transaction). */
export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  for (const statement of statements) yield* sql.unsafe(statement)
})
