import { Injectable } from '@nestjs/common';
import { In, IsNull, LessThanOrEqual, Not } from 'typeorm';
import { UnitOfWork } from '../../database/unit-of-work';
import { dissociationResolved, isPositiveCssrs, respiratoryDepressionResolved, sedationResolved } from '../../protocols/assessments';
import { emptyFacts } from '../../protocols/facts';
import type { CourseContext } from '../../protocols/machines/course.machine';
import type { ProtocolParameters } from '../../protocols/parameters';
import type { ChecklistFact, SessionFacts, StaffRole, VitalsFact } from '../../protocols/types';
import { Assessment } from '../assessments/entities/assessment.entity';
import { ChecklistItem } from '../checklists/entities/checklist-item.entity';
import { signedContent } from '../checklists/checklist-rules';
import { Checklist } from '../checklists/entities/checklist.entity';
import { SignaturesService } from '../signatures/signatures.service';
import { sameDrugClass } from '../medications/medication-classes';
import { Medication } from '../medications/entities/medication.entity';
import type { Participant } from '../participants/entities/participant.entity';
import { StaffPresence } from '../staff/entities/staff-presence.entity';
import { Observation } from '../vitals/entities/observation.entity';
import { Session } from './entities/session.entity';

/**
 * Where gates get their facts (checklists, vitals, doses, staff, assessments, alarms). Tests of
 * the protocol engine replace it with a provider whose facts they set.
 */
export interface FactsProvider {
  sessionFacts(session: Session, participant: Participant, context: { now: Date; timezone: string }): Promise<SessionFacts>;
}

export const FACTS_PROVIDER = Symbol('FACTS_PROVIDER');

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

/**
 * The facts as recorded: consent and course from the participant, checklists and their signed
 * state, the pregnancy test and fasting from the pre-dose checklist, C-SSRS and sedation from the
 * assessments, vitals from the observations, staff present, prohibited medications. A record
 * nobody entered reads as absent, so the gate that needs it refuses: safe by default. It reads
 * the tables directly (a read model), so the record modules can depend on sessions and not back.
 */
@Injectable()
export class RecordedFactsProvider implements FactsProvider {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly signatures: SignaturesService,
  ) {}

  async sessionFacts(session: Session, participant: Participant, context: { now: Date; timezone: string }): Promise<SessionFacts> {
    const reader = this.uow.reader;
    const course = participant.courseSnapshot.context as unknown as CourseContext;
    const params = (session.snapshot.context as { params: ProtocolParameters }).params;
    const dosedAt = session.doseAt ?? context.now;

    const [lastPreparation, previousDosing, checklists, staff, medications, assessments, vitals] = await Promise.all([
      reader.findOne(Session, {
        where: { participantId: participant.id, phase: 'preparation', state: 'closed', endedAt: Not(IsNull()) },
        order: { endedAt: 'DESC' },
      }),
      reader.findOne(Session, {
        where: { participantId: participant.id, phase: 'dosing', doseAt: Not(IsNull()), id: Not(session.id) },
        order: { doseAt: 'DESC' },
      }),
      reader.find(Checklist, { where: { sessionId: session.id, status: Not('superseded') }, relations: { items: true } }),
      reader.find(StaffPresence, { where: { sessionId: session.id, presentUntil: IsNull() } }),
      reader.find(Medication, { where: { participantId: participant.id, voidedAt: IsNull(), givenAt: LessThanOrEqual(context.now) } }),
      reader.find(Assessment, { where: { sessionId: session.id, voidedAt: IsNull() }, order: { takenAt: 'DESC' } }),
      // only the cuff values: a 1 Hz pulse stream must not push the blood pressure out of the window
      reader.find(Observation, {
        where: { sessionId: session.id, voidedAt: IsNull(), code: In(['SYSBP', 'DIABP']) },
        order: { takenAt: 'DESC' },
        take: 100,
      }),
    ]);

    const lists: Record<string, ChecklistFact> = {};
    for (const list of checklists) lists[list.key] = await this.checklistFact(list);
    const predose = checklists.find((c) => c.key === 'pre-dose');
    const item = (key: string): ChecklistItem | undefined => predose?.items?.find((i) => i.key === key);

    // a positive test is recorded as a failed item: its value counts as much as a done one's
    const pregnancy = item('pregnancy-test');
    const pregnancyValue =
      pregnancy && (pregnancy.status === 'done' || pregnancy.status === 'failed')
        ? (pregnancy.value as { result?: string; takenAt?: string } | null)
        : null;
    const fasting = item('fasting');

    const latest = (instrument: string) => assessments.find((a) => a.instrument === instrument);
    // Sedation, dissociation and respiration count only when assessed after the dose.
    const latestAfterDose = (instrument: string) =>
      session.doseAt ? assessments.find((a) => a.instrument === instrument && a.takenAt.getTime() > session.doseAt!.getTime()) : undefined;
    // A positive C-SSRS stays positive for the session whatever later screens say, until a risk
    // assessment is recorded after it.
    const screens = assessments.filter((a) => a.instrument === 'cssrs-screen');
    const lastPositive = screens.find((a) => isPositiveCssrs(a.result));
    const cssrs = lastPositive ?? screens[0];
    const risk = latest('risk-assessment');
    const bp = bloodPressureReadings(vitals);
    const baseline = bp.find((r) => new Date(r.takenAt).getTime() <= dosedAt.getTime()) ?? null;
    const latestBp = bp[0] ?? null;
    const rule = params.alarms.bloodPressure;
    const confirmMs = rule.confirmWithinMinutes * 60_000;
    const atOrAbove160 = (r: VitalsFact | null) =>
      !!r && ((r.systolic ?? 0) >= rule.mediumAtOrAbove.systolic || (r.diastolic ?? 0) >= rule.mediumAtOrAbove.diastolic);
    const above180 = (r: VitalsFact | null) => !!r && ((r.systolic ?? 0) > rule.highAbove.systolic || (r.diastolic ?? 0) > rule.highAbove.diastolic);
    const sedation = latestAfterDose('moaas');
    const dissociation = latestAfterDose('cadss');
    const respiration = latestAfterDose('respiratory-depression');
    const active = medications.filter((m) => !m.endedAt || m.endedAt.getTime() > context.now.getTime());

    return {
      ...emptyFacts(context.now, context.timezone),
      participant: {
        childbearingPotential: participant.childbearingPotential,
        consentVersion: course.consentVersion,
        courseState: participant.courseState,
      },
      sessionStartedAt: iso(session.startedAt),
      previousDoseAt: iso(previousDosing?.doseAt),
      lastPreparationEndedAt: iso(lastPreparation?.endedAt),
      checklists: lists,
      pregnancyTest:
        pregnancyValue && (pregnancyValue.result === 'negative' || pregnancyValue.result === 'positive') && pregnancyValue.takenAt
          ? { result: pregnancyValue.result, takenAt: new Date(pregnancyValue.takenAt).toISOString() }
          : null,
      cssrs: cssrs
        ? {
            at: cssrs.takenAt.toISOString(),
            positive: isPositiveCssrs(cssrs.result),
            riskAssessmentRecorded: !!risk && risk.takenAt.getTime() >= cssrs.takenAt.getTime(),
          }
        : null,
      fastingAttestedAt: fasting?.status === 'done' ? iso(fasting.recordedAt) : null,
      baselineVitals: baseline,
      latestVitals: latestBp,
      staff: staff.map((s) => ({ userId: s.userId, role: s.role as StaffRole })),
      prohibitedMedications: active
        .filter((m) => m.drugClass && params.prohibitedMedicationClasses.some((c) => sameDrugClass(c, m.drugClass!)))
        .map((m) => `${m.name} (${m.drugClass})`),
      alarms: {
        // physiological alarms come with the alarm engine; until then BP is judged from the readings
        openPhysiological: 0,
        confirmedHigh: false,
        bpAtOrAbove160: atOrAbove160(latestBp),
        bpAbove180: above180(latestBp),
        bpAtOrAbove160Confirmed:
          atOrAbove160(bp[0] ?? null) &&
          atOrAbove160(bp[1] ?? null) &&
          new Date(bp[0].takenAt).getTime() - new Date(bp[1].takenAt).getTime() <= confirmMs,
      },
      assessments: {
        sedationResolved: sedation ? sedationResolved(sedation.result) : null,
        dissociationResolved: dissociation ? dissociationResolved(dissociation.result) : null,
        respiratoryDepressionResolved: respiration ? respiratoryDepressionResolved(respiration.result) : null,
      },
    };
  }

  /** Signed only while a valid signature covers exactly the current content (21 CFR 11.70). */
  private async checklistFact(list: Checklist): Promise<ChecklistFact> {
    const items: ChecklistFact['items'] = {};
    for (const i of list.items ?? []) {
      items[i.key] = { status: i.status, value: i.value ?? undefined, recordedAt: iso(i.recordedAt) ?? undefined };
    }
    let signed = false;
    if (list.status === 'signed') {
      const record = { type: 'checklist', id: list.id, content: signedContent(list, list.items ?? []) };
      signed = (await this.signatures.listFor('checklist', list.id)).some((sig) => this.signatures.check(sig, record).valid);
    }
    return { signed, signedAt: signed ? (iso(list.signedAt) ?? undefined) : undefined, items };
  }
}

/**
 * Cuff readings, newest first: a systolic value paired with the diastolic of the same reading,
 * or, when one half was re-entered on its own, with the diastolic taken at the same time.
 */
function bloodPressureReadings(observations: Observation[]): VitalsFact[] {
  const diastolic = observations.filter((o) => o.code === 'DIABP');
  const readings: VitalsFact[] = [];
  for (const sys of observations.filter((o) => o.code === 'SYSBP')) {
    const dia =
      (sys.readingId ? diastolic.find((d) => d.readingId === sys.readingId) : undefined) ??
      diastolic.find((d) => d.takenAt.getTime() === sys.takenAt.getTime());
    if (dia) readings.push({ takenAt: sys.takenAt.toISOString(), systolic: sys.value, diastolic: dia.value });
  }
  return readings.sort((a, b) => new Date(b.takenAt).getTime() - new Date(a.takenAt).getTime());
}
