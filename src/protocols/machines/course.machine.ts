import { and, assign, setup } from 'xstate';
import { ProtocolParameters } from '../parameters';
import { Phase, SessionEvent, Unmet } from '../types';

export interface CourseContext {
  protocolId: string;
  protocolVersion: string;
  params: ProtocolParameters;
  consentVersion: string | null;
  consentedAt: string | null;
  preparationDone: number;
  dosingDone: number;
  integrationDone: number;
  followUpDone: number;
  discontinued: boolean;
  ending: { kind: string; reason: string; at: string } | null;
}

export interface CourseInput {
  protocolId: string;
  protocolVersion: string;
  params: ProtocolParameters;
}

type CourseGate = (ctx: CourseContext, event: SessionEvent) => Unmet[];

const needsReason: CourseGate = (_ctx, event) =>
  event.reason && event.reason.trim() ? [] : [{ requirement: 'reason', message: `${event.type} needs a reason` }];

/** Gates of the course events; internal SESSION_CLOSED has none. */
export const COURSE_GATES: Record<string, CourseGate> = {
  CONSENT_SIGNED: (_ctx, event) => {
    const out: Unmet[] = [];
    if (!(typeof event.data?.consentVersion === 'string' && event.data.consentVersion.trim())) {
      out.push({ requirement: 'consent.version', message: 'the consent version signed is required' });
    }
    const signedAt = event.data?.signedAt;
    if (signedAt !== undefined) {
      const at = typeof signedAt === 'string' ? Date.parse(signedAt) : NaN;
      if (Number.isNaN(at)) out.push({ requirement: 'consent.time', message: 'signedAt is not a valid time' });
      else if (at > Date.parse(event.facts.now) + 60_000) out.push({ requirement: 'consent.time', message: 'consent cannot be signed in the future' });
    }
    return out;
  },
  ELIGIBILITY_CONFIRMED: (ctx) =>
    ctx.consentVersion ? [] : [{ requirement: 'consent', message: 'consent not recorded' }],
  SCREEN_FAILED: needsReason,
  DISCONTINUE_TREATMENT: needsReason,
  WITHDRAW_CONSENT: needsReason,
  LOST_TO_FOLLOW_UP: needsReason,
  DEATH: needsReason,
  COMPLETE: (ctx) => {
    const visits = ctx.params.course.followUpVisitDays.length;
    return ctx.followUpDone >= visits
      ? []
      : [{ requirement: 'follow-up.visits', message: `${visits - ctx.followUpDone} of ${visits} follow-up visits not done` }];
  },
  SESSION_CLOSED: () => [],
};

const closedPhase = (event: SessionEvent) => event.data?.phase as Phase | undefined;

/**
 * A participant's course: screening and consent -> preparation -> dosing and integration cycles
 * -> follow-up -> completed, with the distinct endings of DOMAIN.md 1.4. Discontinuing
 * treatment keeps follow-up; the other endings are final. Data already collected is kept, and an
 * ending never stops a dosing day already under way (that session has its own machine).
 */
export function createCourseMachine(id: string) {
  return setup({
    types: { context: {} as CourseContext, events: {} as SessionEvent, input: {} as CourseInput },
    guards: {
      gate: ({ context, event }, params: { event: string }) => COURSE_GATES[params.event](context, event).length === 0,
      closedPhaseIs: ({ event }, params: { phase: Phase }) => closedPhase(event) === params.phase && (params.phase !== 'dosing' || event.data?.dosed === true),
      preparationComplete: ({ context }) => context.preparationDone >= context.params.course.preparationSessions,
      integrationComplete: ({ context }) => context.integrationDone >= context.params.course.integrationSessionsPerDosing,
      allDosingDone: ({ context }) => context.dosingDone >= context.params.course.dosingSessions,
    },
    actions: {
      recordConsent: assign(({ event }) => ({
        consentVersion: String(event.data?.consentVersion),
        consentedAt: typeof event.data?.signedAt === 'string' && !Number.isNaN(Date.parse(event.data.signedAt))
          ? new Date(event.data.signedAt).toISOString()
          : event.facts.now,
      })),
      countPreparation: assign({ preparationDone: ({ context }) => context.preparationDone + 1 }),
      countDosing: assign({ dosingDone: ({ context }) => context.dosingDone + 1, integrationDone: 0 }),
      countIntegration: assign({ integrationDone: ({ context }) => context.integrationDone + 1 }),
      countFollowUp: assign({ followUpDone: ({ context }) => context.followUpDone + 1 }),
      markDiscontinued: assign({ discontinued: true }),
      recordEnding: assign({
        ending: ({ event }) => ({ kind: event.type, reason: event.reason ?? '', at: event.facts.now }),
      }),
    },
  }).createMachine({
    id,
    context: ({ input }) => ({
      ...input,
      consentVersion: null,
      consentedAt: null,
      preparationDone: 0,
      dosingDone: 0,
      integrationDone: 0,
      followUpDone: 0,
      discontinued: false,
      ending: null,
    }),
    initial: 'screening',
    states: {
      screening: {
        initial: 'consent',
        states: {
          consent: {
            on: { CONSENT_SIGNED: { target: 'eligibility', guard: { type: 'gate', params: { event: 'CONSENT_SIGNED' } }, actions: 'recordConsent' } },
          },
          eligibility: {
            on: { ELIGIBILITY_CONFIRMED: { target: '#' + id + '.preparation', guard: { type: 'gate', params: { event: 'ELIGIBILITY_CONFIRMED' } } } },
          },
        },
        on: {
          // every open state (not the endings): re-consent after an amendment, withdrawal, death
          CONSENT_SIGNED: { guard: { type: 'gate', params: { event: 'CONSENT_SIGNED' } }, actions: 'recordConsent' },
          WITHDRAW_CONSENT: { target: '#' + id + '.ended.withdrawn', guard: { type: 'gate', params: { event: 'WITHDRAW_CONSENT' } }, actions: 'recordEnding' },
          DEATH: { target: '#' + id + '.ended.death', guard: { type: 'gate', params: { event: 'DEATH' } }, actions: 'recordEnding' },
          SCREEN_FAILED: { target: 'ended.screenFailed', guard: { type: 'gate', params: { event: 'SCREEN_FAILED' } }, actions: 'recordEnding' },
        },
      },
      preparation: {
        always: { target: 'treatment', guard: 'preparationComplete' },
        on: {
          SESSION_CLOSED: { guard: { type: 'closedPhaseIs', params: { phase: 'preparation' } }, actions: 'countPreparation' },
          // every open state (not the endings): re-consent after an amendment, withdrawal, death
          CONSENT_SIGNED: { guard: { type: 'gate', params: { event: 'CONSENT_SIGNED' } }, actions: 'recordConsent' },
          WITHDRAW_CONSENT: { target: '#' + id + '.ended.withdrawn', guard: { type: 'gate', params: { event: 'WITHDRAW_CONSENT' } }, actions: 'recordEnding' },
          DEATH: { target: '#' + id + '.ended.death', guard: { type: 'gate', params: { event: 'DEATH' } }, actions: 'recordEnding' },
          DISCONTINUE_TREATMENT: { target: 'followUp', guard: { type: 'gate', params: { event: 'DISCONTINUE_TREATMENT' } }, actions: ['markDiscontinued', 'recordEnding'] },
          LOST_TO_FOLLOW_UP: { target: 'ended.lostToFollowUp', guard: { type: 'gate', params: { event: 'LOST_TO_FOLLOW_UP' } }, actions: 'recordEnding' },
        },
      },
      treatment: {
        initial: 'dosing',
        states: {
          dosing: {
            on: { SESSION_CLOSED: { target: 'integration', guard: { type: 'closedPhaseIs', params: { phase: 'dosing' } }, actions: 'countDosing' } },
          },
          integration: {
            always: [
              { target: '#' + id + '.followUp', guard: and(['integrationComplete', 'allDosingDone']) },
              { target: 'dosing', guard: 'integrationComplete' },
            ],
            on: { SESSION_CLOSED: { guard: { type: 'closedPhaseIs', params: { phase: 'integration' } }, actions: 'countIntegration' } },
          },
        },
        on: {
          // every open state (not the endings): re-consent after an amendment, withdrawal, death
          CONSENT_SIGNED: { guard: { type: 'gate', params: { event: 'CONSENT_SIGNED' } }, actions: 'recordConsent' },
          WITHDRAW_CONSENT: { target: '#' + id + '.ended.withdrawn', guard: { type: 'gate', params: { event: 'WITHDRAW_CONSENT' } }, actions: 'recordEnding' },
          DEATH: { target: '#' + id + '.ended.death', guard: { type: 'gate', params: { event: 'DEATH' } }, actions: 'recordEnding' },
          DISCONTINUE_TREATMENT: { target: 'followUp', guard: { type: 'gate', params: { event: 'DISCONTINUE_TREATMENT' } }, actions: ['markDiscontinued', 'recordEnding'] },
          LOST_TO_FOLLOW_UP: { target: 'ended.lostToFollowUp', guard: { type: 'gate', params: { event: 'LOST_TO_FOLLOW_UP' } }, actions: 'recordEnding' },
        },
      },
      followUp: {
        on: {
          SESSION_CLOSED: { guard: { type: 'closedPhaseIs', params: { phase: 'follow-up' } }, actions: 'countFollowUp' },
          COMPLETE: { target: 'completed', guard: { type: 'gate', params: { event: 'COMPLETE' } } },
          // every open state (not the endings): re-consent after an amendment, withdrawal, death
          CONSENT_SIGNED: { guard: { type: 'gate', params: { event: 'CONSENT_SIGNED' } }, actions: 'recordConsent' },
          WITHDRAW_CONSENT: { target: '#' + id + '.ended.withdrawn', guard: { type: 'gate', params: { event: 'WITHDRAW_CONSENT' } }, actions: 'recordEnding' },
          DEATH: { target: '#' + id + '.ended.death', guard: { type: 'gate', params: { event: 'DEATH' } }, actions: 'recordEnding' },
          LOST_TO_FOLLOW_UP: { target: 'ended.lostToFollowUp', guard: { type: 'gate', params: { event: 'LOST_TO_FOLLOW_UP' } }, actions: 'recordEnding' },
        },
      },
      completed: { type: 'final' },
      ended: {
        initial: 'withdrawn',
        states: {
          screenFailed: { type: 'final' },
          withdrawn: { type: 'final' },
          lostToFollowUp: { type: 'final' },
          death: { type: 'final' },
        },
      },
    },
  });
}

/** Which session phases the course allows to start now. */
export function allowedPhases(statePath: string): Phase[] {
  if (statePath === 'preparation') return ['preparation'];
  if (statePath === 'treatment.dosing') return ['dosing'];
  if (statePath === 'treatment.integration') return ['integration'];
  if (statePath === 'followUp') return ['follow-up'];
  return [];
}
