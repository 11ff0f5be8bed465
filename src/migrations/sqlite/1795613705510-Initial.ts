import { MigrationInterface, QueryRunner } from "typeorm";

export class Initial1795613705510 implements MigrationInterface {
    name = 'Initial1795613705510'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE "audit_chain_head" ("id" integer PRIMARY KEY NOT NULL, "count" integer NOT NULL, "head_hash" varchar(64) NOT NULL, "mac" varchar(64) NOT NULL)`);
        await queryRunner.query(`CREATE TABLE "audit_entries" ("seq" integer PRIMARY KEY NOT NULL, "at" datetime NOT NULL, "user_id" varchar(36), "username" varchar(64), "action" varchar(64) NOT NULL, "entity_type" varchar(64) NOT NULL, "entity_id" varchar(64), "old_value" text, "new_value" text, "reason" text, "canonical" text NOT NULL, "prev_hash" varchar(64) NOT NULL, "hash" varchar(64) NOT NULL)`);
        await queryRunner.query(`CREATE INDEX "ix_audit_entity" ON "audit_entries" ("entity_type", "entity_id") `);
        await queryRunner.query(`CREATE TABLE "auth_sessions" ("id" varchar PRIMARY KEY NOT NULL, "user_id" varchar(36) NOT NULL, "created_at" datetime NOT NULL, "last_seen_at" datetime NOT NULL, "expires_at" datetime NOT NULL, "ended_at" datetime, "end_reason" varchar(32), "signed_with_full_credentials" boolean NOT NULL DEFAULT (0))`);
        await queryRunner.query(`CREATE INDEX "ix_auth_sessions_user" ON "auth_sessions" ("user_id") `);
        await queryRunner.query(`CREATE TABLE "signatures" ("id" varchar(36) PRIMARY KEY NOT NULL, "record_type" varchar(64) NOT NULL, "record_id" varchar(64) NOT NULL, "record_hash" varchar(64) NOT NULL, "user_id" varchar(36) NOT NULL, "printed_name" varchar(200) NOT NULL, "meaning" varchar(16) NOT NULL, "signed_at" datetime NOT NULL, "method" varchar(16) NOT NULL, "seal" varchar(64) NOT NULL, "voided_at" datetime, "void_reason" text)`);
        await queryRunner.query(`CREATE INDEX "ix_signatures_record" ON "signatures" ("record_type", "record_id") `);
        await queryRunner.query(`CREATE TABLE "sites" ("id" varchar PRIMARY KEY NOT NULL, "code" varchar(32) NOT NULL, "name" varchar(200) NOT NULL, "timezone" varchar(64) NOT NULL, "country" varchar(2) NOT NULL, "version" integer NOT NULL DEFAULT (1), "created_at" datetime NOT NULL DEFAULT (datetime('now')), "updated_at" datetime NOT NULL DEFAULT (datetime('now')))`);
        await queryRunner.query(`CREATE UNIQUE INDEX "uq_sites_code" ON "sites" ("code") `);
        await queryRunner.query(`CREATE TABLE "studies" ("id" varchar PRIMARY KEY NOT NULL, "code" varchar(64) NOT NULL, "title" varchar(300) NOT NULL, "protocol_id" varchar(64) NOT NULL, "protocol_version" varchar(32) NOT NULL, "sponsor" varchar(200), "configuration_version" integer NOT NULL DEFAULT (1), "version" integer NOT NULL DEFAULT (1), "created_at" datetime NOT NULL DEFAULT (datetime('now')), "updated_at" datetime NOT NULL DEFAULT (datetime('now')))`);
        await queryRunner.query(`CREATE UNIQUE INDEX "uq_studies_code" ON "studies" ("code") `);
        await queryRunner.query(`CREATE TABLE "users" ("id" varchar PRIMARY KEY NOT NULL, "username" varchar(64) NOT NULL, "full_name" varchar(200) NOT NULL, "password_hash" varchar(255) NOT NULL, "roles" text NOT NULL, "must_change_password" boolean NOT NULL DEFAULT (1), "disabled" boolean NOT NULL DEFAULT (0), "failed_login_count" integer NOT NULL DEFAULT (0), "locked_until" datetime, "password_changed_at" datetime NOT NULL, "version" integer NOT NULL DEFAULT (1), "created_at" datetime NOT NULL DEFAULT (datetime('now')), "updated_at" datetime NOT NULL DEFAULT (datetime('now')))`);
        await queryRunner.query(`CREATE UNIQUE INDEX "uq_users_username" ON "users" ("username") `);
        await queryRunner.query(`CREATE TABLE "user_sites" ("user_id" varchar(36) NOT NULL, "site_id" varchar(36) NOT NULL, PRIMARY KEY ("user_id", "site_id"))`);
        await queryRunner.query(`CREATE TABLE "temporary_user_sites" ("user_id" varchar(36) NOT NULL, "site_id" varchar(36) NOT NULL, CONSTRAINT "FK_876af02663eefdbbd607c736346" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON DELETE CASCADE ON UPDATE NO ACTION, CONSTRAINT "FK_76a7e1a212a3784b96140b713ba" FOREIGN KEY ("site_id") REFERENCES "sites" ("id") ON DELETE RESTRICT ON UPDATE NO ACTION, PRIMARY KEY ("user_id", "site_id"))`);
        await queryRunner.query(`INSERT INTO "temporary_user_sites"("user_id", "site_id") SELECT "user_id", "site_id" FROM "user_sites"`);
        await queryRunner.query(`DROP TABLE "user_sites"`);
        await queryRunner.query(`ALTER TABLE "temporary_user_sites" RENAME TO "user_sites"`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "user_sites" RENAME TO "temporary_user_sites"`);
        await queryRunner.query(`CREATE TABLE "user_sites" ("user_id" varchar(36) NOT NULL, "site_id" varchar(36) NOT NULL, PRIMARY KEY ("user_id", "site_id"))`);
        await queryRunner.query(`INSERT INTO "user_sites"("user_id", "site_id") SELECT "user_id", "site_id" FROM "temporary_user_sites"`);
        await queryRunner.query(`DROP TABLE "temporary_user_sites"`);
        await queryRunner.query(`DROP TABLE "user_sites"`);
        await queryRunner.query(`DROP INDEX "uq_users_username"`);
        await queryRunner.query(`DROP TABLE "users"`);
        await queryRunner.query(`DROP INDEX "uq_studies_code"`);
        await queryRunner.query(`DROP TABLE "studies"`);
        await queryRunner.query(`DROP INDEX "uq_sites_code"`);
        await queryRunner.query(`DROP TABLE "sites"`);
        await queryRunner.query(`DROP INDEX "ix_signatures_record"`);
        await queryRunner.query(`DROP TABLE "signatures"`);
        await queryRunner.query(`DROP INDEX "ix_auth_sessions_user"`);
        await queryRunner.query(`DROP TABLE "auth_sessions"`);
        await queryRunner.query(`DROP INDEX "ix_audit_entity"`);
        await queryRunner.query(`DROP TABLE "audit_entries"`);
        await queryRunner.query(`DROP TABLE "audit_chain_head"`);
    }

}
