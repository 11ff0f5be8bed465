import { Injectable } from '@nestjs/common';
import { IsNull, Not } from 'typeorm';
import { UnitOfWork } from '../../database/unit-of-work';
import { emptyFacts } from '../../protocols/facts';
import type { SessionFacts } from '../../protocols/types';
import type { CourseContext } from '../../protocols/machines/course.machine';
import type { Participant } from '../participants/entities/participant.entity';
import { Session } from './entities/session.entity';

/**
 * Where gates get their facts (checklists, vitals, doses, staff, assessments, alarms). The
 * clinical-records, vitals and alarm modules fill this in; tests replace it with a provider
 * whose facts they set.
 */
export interface FactsProvider {
  sessionFacts(session: Session, participant: Participant, context: { now: Date; timezone: string }): Promise<SessionFacts>;
}

export const FACTS_PROVIDER = Symbol('FACTS_PROVIDER');

/**
 * The facts Vigil records so far: the participant and their consent. Everything not yet
 * recorded reads as absent, so every gate that needs it refuses: safe by default.
 */
@Injectable()
export class RecordedFactsProvider implements FactsProvider {
  constructor(private readonly uow: UnitOfWork) {}

  async sessionFacts(session: Session, participant: Participant, context: { now: Date; timezone: string }): Promise<SessionFacts> {
    const course = participant.courseSnapshot.context as unknown as CourseContext;
    const lastPreparation = await this.uow.reader.findOne(Session, {
      where: { participantId: participant.id, phase: 'preparation', state: 'closed', endedAt: Not(IsNull()) },
      order: { endedAt: 'DESC' },
    });
    const previousDosing = await this.uow.reader.findOne(Session, {
      where: { participantId: participant.id, phase: 'dosing', doseAt: Not(IsNull()), id: Not(session.id) },
      order: { doseAt: 'DESC' },
    });
    return {
      ...emptyFacts(context.now, context.timezone),
      participant: { childbearingPotential: participant.childbearingPotential, consentVersion: course.consentVersion, courseState: participant.courseState },
      previousDoseAt: previousDosing?.doseAt?.toISOString() ?? null,
      lastPreparationEndedAt: lastPreparation?.endedAt?.toISOString() ?? null,
    };
  }
}
