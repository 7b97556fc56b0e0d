import { describe, expect, it } from 'vitest';
import { smsSegments } from '../../src/notifications/sms.ts';
import {
  LOCALES,
  renderMessage,
  TEMPLATE_NAMES,
  TEMPLATES,
  TemplateError,
} from '../../src/notifications/templates.ts';

const SAMPLE: Record<string, string> = {
  code: '482913',
  minutes: '10',
  name: 'Rahima Khatun',
  registrationNumber: 'DW-2024-000123',
  centre: 'Mirpur Upazila Health Complex',
  date: '2025-03-14',
  time: '10:30',
  doseNumber: '2',
  product: 'Comirnaty',
};

describe('SMS templates', () => {
  it('renders the OTP in English and in Bengali', () => {
    expect(renderMessage('otp', 'en', { code: '482913', minutes: 5 })).toBe(
      'Your Dosewise code is 482913. It expires in 5 minutes. Do not share it.',
    );
    const bn = renderMessage('otp', 'bn', { code: '482913', minutes: 5 });
    expect(bn).toContain('482913');
    expect(bn).toMatch(/[\u0980-\u09FF]/);
  });

  it('fails naming every missing parameter instead of sending a text with a hole', () => {
    expect(() => renderMessage('appointment_booked', 'en', { name: 'A', date: '2025-01-01' })).toThrow(
      TemplateError,
    );
    expect(() => renderMessage('appointment_booked', 'bn', { name: 'A', date: '2025-01-01' })).toThrow(
      /centre, time/,
    );
    expect(() => renderMessage('otp', 'en', { code: '', minutes: 5 })).toThrow(/code/);
    expect(() => renderMessage('no_such_template', 'en', {})).toThrow(/unknown SMS template/);
    expect(() => renderMessage('otp', 'fr', SAMPLE)).toThrow(/unknown locale/);
  });

  it('inserts parameter values once, without expanding braces inside them', () => {
    expect(renderMessage('otp', 'en', { code: '{minutes}', minutes: 5 })).toContain('code is {minutes}.');
  });

  it('has every template in both locales, Bengali written in Bengali, using exactly its declared parameters', () => {
    for (const name of TEMPLATE_NAMES) {
      for (const locale of LOCALES) {
        const text: string = TEMPLATES[name][locale];
        const used = new Set([...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]));
        expect(used, `${name}/${locale}`).toEqual(new Set(TEMPLATES[name].params));
        expect(renderMessage(name, locale, SAMPLE)).not.toMatch(/[{}]/);
      }
      expect(TEMPLATES[name].bn, name).toMatch(/[\u0980-\u09FF]{3}/);
    }
  });

  it('keeps the OTP to one SMS segment in both languages', () => {
    const en = smsSegments(renderMessage('otp', 'en', { code: '12345678', minutes: 10 }));
    const bn = smsSegments(renderMessage('otp', 'bn', { code: '12345678', minutes: 10 }));
    expect(en).toMatchObject({ encoding: 'GSM-7', segments: 1 });
    expect(bn).toMatchObject({ encoding: 'UCS-2', segments: 1 });
  });
});

describe('SMS segments', () => {
  it('counts GSM-7 at 160 alone and 153 per concatenated segment', () => {
    expect(smsSegments('a'.repeat(160))).toEqual({
      encoding: 'GSM-7',
      units: 160,
      segments: 1,
      unitsPerSegment: 160,
    });
    expect(smsSegments('a'.repeat(161))).toMatchObject({ segments: 2, unitsPerSegment: 153 });
    expect(smsSegments('a'.repeat(306)).segments).toBe(2);
    expect(smsSegments('a'.repeat(307)).segments).toBe(3);
  });

  it('counts extension characters as two septets and never splits one across segments', () => {
    expect(smsSegments('€'.repeat(80))).toMatchObject({ encoding: 'GSM-7', units: 160, segments: 1 });
    // 152 plain septets then an escape pair: the pair does not fit in the first 153, so it moves.
    expect(smsSegments(`${'a'.repeat(152)}€${'a'.repeat(152)}`).segments).toBe(3);
    expect(smsSegments(`${'a'.repeat(151)}€${'a'.repeat(153)}`).segments).toBe(2);
  });

  it('sends Bengali, or any character outside GSM 03.38, as UCS-2 at 70 and 67', () => {
    expect(smsSegments('ক'.repeat(70))).toEqual({
      encoding: 'UCS-2',
      units: 70,
      segments: 1,
      unitsPerSegment: 70,
    });
    expect(smsSegments('ক'.repeat(71))).toMatchObject({ segments: 2, unitsPerSegment: 67 });
    expect(smsSegments('ক'.repeat(134)).segments).toBe(2);
    expect(smsSegments('ক'.repeat(135)).segments).toBe(3);
    // One character outside the GSM alphabet switches the whole text.
    expect(smsSegments(`${'a'.repeat(100)}✓`)).toMatchObject({ encoding: 'UCS-2', segments: 2 });
  });

  it('keeps surrogate pairs whole', () => {
    // 66 units, then a 2-unit emoji that does not fit in the first 67: it opens the second segment.
    expect(smsSegments(`${'ক'.repeat(66)}😀${'ক'.repeat(10)}`)).toMatchObject({ units: 78, segments: 2 });
    expect(smsSegments(`${'ক'.repeat(66)}😀${'ক'.repeat(66)}`).segments).toBe(3);
  });

  it('counts an empty text as one message', () => {
    expect(smsSegments('')).toMatchObject({ encoding: 'GSM-7', units: 0, segments: 1 });
  });
});
