import { Injectable } from '@nestjs/common';
import { CourseContext } from '../../src/protocols/machines/course.machine';
import { ProtocolParameters } from '../../src/protocols/parameters';
import { completeFacts } from '../../src/protocols/testing/facts';
import { SessionFacts } from '../../src/protocols/types';
import { Participant } from '../../src/modules/participants/entities/participant.entity';
import { Session } from '../../src/modules/sessions/entities/session.entity';
import { FactsProvider } from '../../src/modules/sessions/facts.provider';

type Adjust = (facts: SessionFacts, session: Session) => SessionFacts;

/**
 * The protocol engine's test facts provider: every fact a gate needs is present and fresh at the
 * moment of asking (consent comes from the real course), unless a test adjusts it per session.
 */
@Injectable()
export class TestFactsProvider implements FactsProvider {
  private readonly adjustments = new Map<string, Adjust>();
  private everywhere: Adjust | undefined;

  /** Changes the facts of one session (or, with '*', of all sessions) until cleared. */
  set(sessionId: string | '*', adjust: Adjust): void {
    if (sessionId === '*') this.everywhere = adjust;
    else this.adjustments.set(sessionId, adjust);
  }

  clear(sessionId?: string): void {
    if (sessionId) this.adjustments.delete(sessionId);
    else {
      this.adjustments.clear();
      this.everywhere = undefined;
    }
  }

  async sessionFacts(session: Session, participant: Participant, context: { now: Date; timezone: string }): Promise<SessionFacts> {
    const params = (session.snapshot.context as { params: ProtocolParameters }).params;
    const course = participant.courseSnapshot.context as unknown as CourseContext;
    let facts = completeFacts(params, context.now.toISOString(), context.timezone);
    facts = {
      ...facts,
      participant: { childbearingPotential: participant.childbearingPotential, consentVersion: course.consentVersion, courseState: participant.courseState },
      sessionStartedAt: session.startedAt?.toISOString() ?? facts.sessionStartedAt,
    };
    if (this.everywhere) facts = this.everywhere(facts, session);
    const adjust = this.adjustments.get(session.id);
    return adjust ? adjust(facts, session) : facts;
  }
}
