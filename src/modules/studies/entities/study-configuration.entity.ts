import { Column, Entity, Index } from 'typeorm';
import { IdColumn, JsonTextColumn, TimestampColumn, UuidColumn } from '../../../database/columns';
import type { ProtocolParameters } from '../../../protocols/parameters';

/** One version of a study's protocol parameters; sessions copy the version in force when they start. */
@Entity('study_configurations')
@Index('uq_study_configuration_version', ['studyId', 'version'], { unique: true })
export class StudyConfiguration {
  @IdColumn()
  id: string;

  @UuidColumn({ name: 'study_id' })
  studyId: string;

  @Column({ type: 'integer' })
  version: number;

  @JsonTextColumn()
  parameters: ProtocolParameters;

  @Column({ type: 'varchar', length: 36, name: 'created_by', nullable: true })
  createdBy: string | null;

  @Column({ type: 'text', nullable: true })
  reason: string | null;

  @TimestampColumn({ name: 'created_at' })
  createdAt: Date;
}
