import { PRE_DOSE_ITEMS } from '../../protocols/parameters';
import { checkItemValue, checklistTitle, signedContent, unmetItems } from './checklist-rules';

const NOW = new Date('2026-03-02T07:00:00.000Z');

describe('checklist rules', () => {
  it('titles the shipped checklists and any site list', () => {
    expect(checklistTitle('pre-dose')).toBe('Pre-dose readiness');
    expect(checklistTitle('discharge')).toBe('Discharge');
    expect(checklistTitle('night-handover')).toBe('Night handover');
  });

  describe('item values by kind', () => {
    it('pregnancy test: required when done, normalised to UTC, never positive and done, never in the future', () => {
      expect(checkItemValue('pregnancy-test', 'done', { result: 'negative', takenAt: '2026-03-02T07:30:00+01:00' }, NOW)).toEqual({
        ok: true,
        value: { result: 'negative', takenAt: '2026-03-02T06:30:00.000Z' },
      });
      expect(checkItemValue('pregnancy-test', 'done', undefined, NOW)).toMatchObject({ ok: false, errors: { value: expect.any(Array) } });
      expect(checkItemValue('pregnancy-test', 'not_applicable', undefined, NOW)).toEqual({ ok: true, value: null });
      expect(checkItemValue('pregnancy-test', 'failed', { result: 'positive', takenAt: '2026-03-02T06:00:00Z' }, NOW)).toMatchObject({ ok: true });
      expect(checkItemValue('pregnancy-test', 'done', { result: 'positive', takenAt: '2026-03-02T06:00:00Z' }, NOW)).toMatchObject({
        ok: false,
        errors: { 'value.result': expect.any(Array) },
      });
      expect(checkItemValue('pregnancy-test', 'done', { result: 'negative', takenAt: '2026-03-02T07:02:00Z' }, NOW)).toMatchObject({
        ok: false,
        errors: { 'value.takenAt': ['must not be in the future'] },
      });
      expect(checkItemValue('pregnancy-test', 'done', { result: 'negative', takenAt: '2026-03-02' }, NOW)).toMatchObject({ ok: false });
      expect(checkItemValue('pregnancy-test', 'done', { result: 'negative', takenAt: '2026-03-02T06:00:00Z', lab: 'x' }, NOW)).toMatchObject({
        ok: false,
        errors: { value: ['unknown fields: lab'] },
      });
      expect(checkItemValue('pregnancy-test', 'done', 'negative', NOW)).toMatchObject({ ok: false });
    });

    it('blood pressure: numbers in range, diastolic below systolic, mm[Hg] only', () => {
      expect(checkItemValue('blood-pressure', 'done', { systolic: 120, diastolic: 80 }, NOW)).toEqual({ ok: true, value: { systolic: 120, diastolic: 80 } });
      expect(checkItemValue('blood-pressure', 'done', { systolic: 120, diastolic: 80, unit: 'mm[Hg]' }, NOW)).toEqual({ ok: true, value: { systolic: 120, diastolic: 80 } });
      expect(checkItemValue('blood-pressure', 'done', undefined, NOW)).toEqual({ ok: true, value: null });
      expect(checkItemValue('blood-pressure', 'done', { systolic: 30, diastolic: 250 }, NOW)).toMatchObject({
        ok: false,
        errors: { 'value.systolic': expect.any(Array), 'value.diastolic': expect.any(Array) },
      });
      expect(checkItemValue('blood-pressure', 'done', { systolic: 80, diastolic: 80 }, NOW)).toMatchObject({ ok: false, errors: { 'value.diastolic': expect.any(Array) } });
      expect(checkItemValue('blood-pressure', 'done', { systolic: Number.NaN, diastolic: 80 }, NOW)).toMatchObject({ ok: false });
      expect(checkItemValue('blood-pressure', 'done', { systolic: 120, diastolic: 80, unit: 'kPa' }, NOW)).toMatchObject({ ok: false, errors: { 'value.unit': ['must be mm[Hg]'] } });
      expect(checkItemValue('blood-pressure', 'done', [120, 80], NOW)).toMatchObject({ ok: false });
    });

    it('text and none', () => {
      expect(checkItemValue('text', 'done', '  sister  ', NOW)).toEqual({ ok: true, value: 'sister' });
      expect(checkItemValue('text', 'done', '', NOW)).toMatchObject({ ok: false });
      expect(checkItemValue('text', 'done', 'x'.repeat(2001), NOW)).toMatchObject({ ok: false });
      expect(checkItemValue('text', 'done', { a: 1 }, NOW)).toMatchObject({ ok: false });
      expect(checkItemValue('none', 'done', null, NOW)).toEqual({ ok: true, value: null });
      expect(checkItemValue('none', 'done', 'yes', NOW)).toMatchObject({ ok: false });
    });
  });

  it('lists the required, applicable items that are neither done nor not applicable', () => {
    const items = PRE_DOSE_ITEMS.map((t) => ({ ...t, status: 'done' as 'open' | 'done' | 'not_applicable' | 'failed' }));
    const list = { key: 'pre-dose', title: 'Pre-dose readiness' };
    expect(unmetItems(list, items, true)).toEqual([]);
    const set = (key: string, status: 'open' | 'failed' | 'not_applicable') => items.map((i) => (i.key === key ? { ...i, status } : i));
    expect(unmetItems(list, set('pregnancy-test', 'open'), true)).toEqual([
      { requirement: 'pre-dose.pregnancy-test', message: 'Pre-dose readiness checklist: pregnancy test negative not recorded' },
    ]);
    expect(unmetItems(list, set('pregnancy-test', 'open'), false)).toEqual([]);
    expect(unmetItems(list, set('urine-drug-screen', 'open'), true)).toEqual([]);
    expect(unmetItems(list, set('fasting', 'not_applicable'), true)).toEqual([]);
    expect(unmetItems(list, set('fasting', 'failed'), true)).toEqual([
      { requirement: 'pre-dose.fasting', message: 'Pre-dose readiness checklist: fasting attested failed' },
    ]);
  });

  it('signs the version and every item in template order', () => {
    const content = signedContent({ key: 'discharge', version: 2 }, [
      { key: 'b', status: 'done', value: 'x', comment: null, position: 2 },
      { key: 'a', status: 'not_applicable', value: undefined, comment: 'why', position: 1 },
    ]);
    expect(content).toEqual({
      key: 'discharge',
      version: 2,
      items: [
        { key: 'a', status: 'not_applicable', value: null, comment: 'why' },
        { key: 'b', status: 'done', value: 'x', comment: null },
      ],
    });
  });
});
