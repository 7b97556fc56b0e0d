import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useMutation } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { asciiDigits, normalisePhone } from '@dosewise/domain';
import { ApiError, unwrap } from '../api/client.ts';
import { citizenApi } from '../api/citizenClient.ts';
import { setCitizenSession, useCitizenState } from '../auth/citizenSession.ts';
import { currentLanguage } from '../i18n/index.ts';
import { ErrorAlert } from '../ui/ErrorAlert.tsx';
import { TextField } from '../ui/fields.tsx';
import { useFormat } from '../ui/format.ts';
import { Notice } from '../ui/Notice.tsx';
import { useNow } from '../ui/useNow.ts';
import { useRegistrationMessages } from '../registration/messages.ts';
import { displayPhone } from './phone.ts';

/** Seconds before "send again" is offered, so one slow SMS does not use up the hourly allowance. */
const RESEND_AFTER_S = 30;

interface Challenge {
  id: string;
  phone: string;
  expiresAt: number;
  /** When a new code may be asked for. */
  resendAt: number;
}

/** A step's title; focus goes to it when the person arrives at the step (not on page load). */
function Heading({ id, children, focus = true }: { id: string; children: string; focus?: boolean }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (focus) ref.current?.focus();
  }, [focus]);
  return (
    <h2 id={id} ref={ref} tabIndex={-1}>
      {children}
    </h2>
  );
}

/** Step 1 and 2: the phone number, then the 6-digit code sent to it by SMS. */
export function CitizenSignIn() {
  const { t } = useTranslation();
  const f = useFormat();
  const { ended } = useCitizenState();
  const messages = useRegistrationMessages();
  const [phone, setPhone] = useState('');
  const [phoneProblem, setPhoneProblem] = useState<string | undefined>();
  const [challenge, setChallenge] = useState<Challenge | null>(null);
  /** Epoch ms until which the server asked us not to send another code (Retry-After). */
  const [blockedUntil, setBlockedUntil] = useState(0);
  /** Back from the code step ("use another number"): focus returns to the phone step's title. */
  const [returned, setReturned] = useState(false);
  const now = useNow(1000, blockedUntil > 0);
  const blockedFor = Math.max(0, (blockedUntil - now) / 1000);

  const sendCode = useMutation({
    mutationFn: (e164: string) =>
      unwrap(citizenApi.POST('/api/citizen/otp', { body: { phone: e164, locale: currentLanguage() } })).then(
        (r) => ({ ...r, phone: e164 }),
      ),
    onSuccess: (r) => {
      const now = Date.now();
      setChallenge({
        id: r.challengeId,
        phone: r.phone,
        expiresAt: now + r.expiresIn * 1000,
        resendAt: now + RESEND_AFTER_S * 1000,
      });
    },
    onError: (error) => {
      if (error instanceof ApiError && error.retryAfter !== undefined) {
        setBlockedUntil(Date.now() + error.retryAfter * 1000);
      }
    },
  });

  const submitPhone = (e: FormEvent) => {
    e.preventDefault();
    if (!phone.trim()) {
      setPhoneProblem(messages.phoneProblem('missing'));
      return;
    }
    const r = normalisePhone(phone, 'BD');
    if (!r.ok) {
      setPhoneProblem(messages.phoneProblem(r.code));
      return;
    }
    setPhoneProblem(undefined);
    sendCode.mutate(r.e164);
  };

  if (challenge) {
    return (
      <CodeStep
        key={challenge.id}
        challenge={challenge}
        blockedUntil={blockedUntil}
        resend={() => sendCode.mutate(challenge.phone)}
        resendPending={sendCode.isPending}
        resendError={sendCode.error}
        changePhone={() => {
          setReturned(true);
          sendCode.reset();
          setChallenge(null);
        }}
      />
    );
  }

  return (
    <section className="card step-card" aria-labelledby="citizen-phone-heading">
      <Heading id="citizen-phone-heading" focus={returned}>
        {t('citizen.phone.title')}
      </Heading>
      {ended === 'expired' && <Notice tone="info">{t('citizen.phone.expired')}</Notice>}
      <p>{t('citizen.phone.intro')}</p>
      <form className="stack" noValidate onSubmit={submitPhone}>
        <TextField
          type="tel"
          label={t('citizen.phone.label')}
          hint={t('citizen.phone.hint')}
          value={phone}
          onChange={setPhone}
          autoComplete="tel-national"
          inputMode="tel"
          maxLength={20}
          required
          error={phoneProblem}
          className="field-medium"
        />
        <ErrorAlert error={sendCode.error} />
        {blockedFor > 0 && (
          <p className="field-hint" data-testid="blocked-for">
            {t('citizen.code.resendIn', { time: f.countdown(blockedFor) })}
          </p>
        )}
        <div className="actions">
          <button
            type="submit"
            className="button"
            disabled={sendCode.isPending || blockedFor > 0}
            data-testid="send-code"
          >
            {sendCode.isPending ? t('citizen.phone.sending') : t('citizen.phone.send')}
          </button>
        </div>
      </form>
    </section>
  );
}

function CodeStep({
  challenge,
  blockedUntil,
  resend,
  resendPending,
  resendError,
  changePhone,
}: {
  challenge: Challenge;
  blockedUntil: number;
  resend: () => void;
  resendPending: boolean;
  resendError: unknown;
  changePhone: () => void;
}) {
  const { t } = useTranslation();
  const f = useFormat();
  const [code, setCode] = useState('');
  const [codeProblem, setCodeProblem] = useState<string | undefined>();
  const now = useNow(1000);
  const secondsLeft = Math.max(0, (challenge.expiresAt - now) / 1000);
  const expired = secondsLeft <= 0;
  const resendAt = Math.max(challenge.resendAt, blockedUntil);
  const resendWait = Math.max(0, (resendAt - now) / 1000);

  const verify = useMutation({
    mutationFn: (digits: string) =>
      unwrap(
        citizenApi.POST('/api/citizen/otp/verify', { body: { challengeId: challenge.id, code: digits } }),
      ),
    onSuccess: (r) => {
      setCitizenSession({
        token: r.token,
        expiresAt: Date.now() + r.expiresIn * 1000,
        phone: challenge.phone,
      });
    },
    onError: () => setCode(''),
  });
  const dead =
    verify.error instanceof ApiError &&
    ['otp_locked', 'otp_expired', 'otp_used', 'otp_unknown'].includes(verify.error.code);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const digits = asciiDigits(code).replace(/\s/g, '');
    if (!/^\d{6}$/.test(digits)) {
      setCodeProblem(t('citizen.code.format'));
      return;
    }
    setCodeProblem(undefined);
    verify.mutate(digits);
  };

  return (
    <section className="card step-card" aria-labelledby="citizen-code-heading">
      <Heading id="citizen-code-heading">{t('citizen.code.title')}</Heading>
      <p>
        {t('citizen.code.sentTo', { phone: displayPhone(challenge.phone) })}{' '}
        <button type="button" className="button link" onClick={changePhone}>
          {t('citizen.code.changePhone')}
        </button>
      </p>
      <form className="stack" noValidate onSubmit={submit}>
        <TextField
          label={t('citizen.code.label')}
          hint={t('citizen.code.hint')}
          value={code}
          onChange={setCode}
          autoComplete="one-time-code"
          inputMode="numeric"
          pattern="[0-9]*"
          maxLength={6}
          required
          big
          error={codeProblem}
        />
        <p className={expired ? 'field-error' : 'field-hint'} data-testid="code-expiry">
          {expired
            ? t('citizen.code.expired')
            : t('citizen.code.expiresIn', { time: f.countdown(secondsLeft) })}
        </p>
        <ErrorAlert error={verify.error} />
        <div className="actions">
          <button
            type="submit"
            className="button"
            disabled={verify.isPending || expired || dead}
            data-testid="verify-code"
          >
            {verify.isPending ? t('citizen.code.checking') : t('citizen.code.submit')}
          </button>
        </div>
      </form>
      <div className="resend">
        <ErrorAlert error={resendError} />
        <button
          type="button"
          className="button secondary"
          disabled={resendWait > 0 || resendPending}
          onClick={resend}
          data-testid="resend-code"
        >
          {resendPending ? t('citizen.phone.sending') : t('citizen.code.resend')}
        </button>
        {resendWait > 0 && (
          <p className="field-hint">{t('citizen.code.resendIn', { time: f.countdown(resendWait) })}</p>
        )}
      </div>
    </section>
  );
}
