import { Column, Entity, Index } from 'typeorm';
import { IdColumn, JsonTextColumn, TimestampColumn, UuidColumn } from '../../../database/columns';
import type { PersistedSnapshot } from '../../../protocols/runtime';

/** A pseudonymous participant and the persisted snapshot of their course machine. */
@Entity('participants')
@Index('uq_participants_study_code', ['studyId', 'code'], { unique: true })
@Index('ix_participants_site', ['siteId'])
export class Participant {
  @IdColumn()
  id: string;

  @UuidColumn({ name: 'study_id' })
  studyId: string;

  @UuidColumn({ name: 'site_id' })
  siteId: string;

  /** A pseudonym; Vigil stores no names. */
  @Column({ type: 'varchar', length: 64 })
  code: string;

  @Column({ type: 'varchar', length: 1, nullable: true })
  sex: 'F' | 'M' | 'U' | null;

  @Column({ type: 'integer', name: 'birth_year', nullable: true })
  birthYear: number | null;

  @Column({ type: 'boolean', name: 'childbearing_potential', default: false })
  childbearingPotential: boolean;

  @Column({ type: 'varchar', length: 64, name: 'protocol_id' })
  protocolId: string;

  @Column({ type: 'varchar', length: 32, name: 'protocol_version' })
  protocolVersion: string;

  @Column({ type: 'varchar', length: 120, name: 'machine_id' })
  machineId: string;

  @JsonTextColumn({ name: 'course_snapshot' })
  courseSnapshot: PersistedSnapshot;

  @Column({ type: 'varchar', length: 64, name: 'course_state' })
  courseState: string;

  @Column({ type: 'integer', default: 1 })
  version: number;

  @TimestampColumn({ name: 'created_at' })
  createdAt: Date;

  @TimestampColumn({ name: 'updated_at' })
  updatedAt: Date;
}
