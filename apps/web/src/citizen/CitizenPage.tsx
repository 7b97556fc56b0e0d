import { useEffect, useRef, useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { unwrap, type Person } from '../api/client.ts';
import { citizenApi } from '../api/citizenClient.ts';
import { endCitizenSession, useCitizenState } from '../auth/citizenSession.ts';
import { currentLanguage } from '../i18n/index.ts';
import { PersonForm } from '../registration/PersonForm.tsx';
import {
  PriorityStatusBadge,
  VerificationBadge,
  VerificationExplanation,
} from '../registration/PersonStatus.tsx';
import { cardFilename, savePdf } from '../registration/pdf.ts';
import { useRegistrationSettings } from '../registration/queries.ts';
import { ErrorAlert } from '../ui/ErrorAlert.tsx';
import { useFormat } from '../ui/format.ts';
import { Loading, Notice } from '../ui/Notice.tsx';
import { usePageTitle } from '../ui/usePageTitle.ts';
import { PersonVaccination } from '../booking/PersonVaccination.tsx';
import { CitizenSignIn } from './CitizenSignIn.tsx';
import { displayPhone } from './phone.ts';
import { citizenKeys } from './queries.ts';

export { citizenKeys };

type View = { kind: 'family' } | { kind: 'add' } | { kind: 'done'; person: Person };

/** Registration for citizens: sign in with a code sent to the phone, then register self and family. */
export function CitizenPage() {
  const { t } = useTranslation();
  usePageTitle(t('citizen.title'));
  const { session } = useCitizenState();
  const token = session?.token ?? null;
  // A sign-in that was already there when the page loaded: the page opens without moving focus.
  // (CitizenArea, the frame of the citizen pages, drops what a sign-in loaded once it ends.)
  const [tokenOnLoad] = useState(token);

  return (
    <>
      <h1>{t('citizen.title')}</h1>
      {!session ? (
        <>
          <p className="lead">{t('citizen.intro')}</p>
          <CitizenSignIn />
        </>
      ) : (
        <CitizenHome key={session.token} phone={session.phone} arrived={session.token !== tokenOnLoad} />
      )}
    </>
  );
}

function CitizenHome({ phone, arrived }: { phone: string; arrived: boolean }) {
  const [view, setViewState] = useState<View>({ kind: 'family' });
  const [moved, setMoved] = useState(false);
  const setView = (next: View) => {
    setMoved(true);
    setViewState(next);
  };
  const queryClient = useQueryClient();
  switch (view.kind) {
    case 'family':
      return <FamilyView phone={phone} focus={arrived || moved} onAdd={() => setView({ kind: 'add' })} />;
    case 'add':
      return (
        <div className="card step-card">
          <PersonForm
            mode="citizen"
            send={(body) => unwrap(citizenApi.POST('/api/citizen/people', { body }))}
            onRegistered={(person) => {
              void queryClient.invalidateQueries({ queryKey: citizenKeys.all });
              setView({ kind: 'done', person });
            }}
            onCancel={() => setView({ kind: 'family' })}
          />
        </div>
      );
    case 'done':
      return <DoneView person={view.person} phone={phone} onBack={() => setView({ kind: 'family' })} />;
  }
}

/** Fetches the card with the citizen's token and saves it. */
function useCardDownload() {
  return useMutation({
    mutationFn: async (person: Person) => {
      const blob = await unwrap(
        citizenApi.GET('/api/citizen/people/{id}/card.pdf', {
          params: { path: { id: person.id }, query: { locale: currentLanguage() } },
          parseAs: 'blob',
        }),
      );
      savePdf(blob, cardFilename(person.registrationNumber));
    },
  });
}

function FamilyView({ phone, focus, onAdd }: { phone: string; focus: boolean; onAdd: () => void }) {
  const { t } = useTranslation();
  const f = useFormat();
  const settings = useRegistrationSettings();
  const family = useQuery({
    queryKey: citizenKeys.family,
    queryFn: () => unwrap(citizenApi.GET('/api/citizen/people')),
  });
  const [notice, setNotice] = useState<string | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (focus) heading.current?.focus();
  }, [focus]);
  const people = family.data ?? [];
  const limit = settings.data?.peoplePerPhone;
  const full = limit !== undefined && people.length >= limit;

  return (
    <section aria-labelledby="family-heading" className="family">
      <div className="family-head">
        <h2 id="family-heading" ref={heading} tabIndex={-1}>
          {t('citizen.family.title')}
        </h2>
        <button
          type="button"
          className="button secondary small"
          onClick={() => endCitizenSession()}
          data-testid="citizen-sign-out"
        >
          {t('citizen.signOut')}
        </button>
      </div>
      <p className="muted">
        {limit !== undefined && family.data
          ? t('citizen.family.count', {
              phone: displayPhone(phone),
              count: people.length,
              n: f.number(people.length),
              limit: f.number(limit),
            })
          : t('citizen.family.phone', { phone: displayPhone(phone) })}
      </p>
      {notice && <Notice>{notice}</Notice>}
      <ErrorAlert error={family.error ?? settings.error} />
      {family.isPending && <Loading />}
      {family.data && people.length === 0 && <p className="empty">{t('citizen.family.empty')}</p>}
      {people.length > 0 && (
        <ul className="family-list" role="list" data-testid="family-list">
          {people.map((p) => (
            <FamilyMember
              key={p.id}
              person={p}
              onRemoved={(name) => {
                setNotice(t('citizen.family.removed', { name }));
                // The removed person's buttons are gone: focus goes back to the list's title.
                heading.current?.focus();
              }}
            />
          ))}
        </ul>
      )}
      <div className="actions add-person">
        <button
          type="button"
          className="button"
          disabled={!family.data || !settings.data || full}
          aria-describedby={full ? 'family-full' : undefined}
          onClick={onAdd}
          data-testid="add-person"
        >
          {people.length === 0 ? t('citizen.family.addFirst') : t('citizen.family.add')}
        </button>
        {full && limit !== undefined && (
          <p id="family-full" className="field-hint">
            {t('citizen.family.full', { limit: f.number(limit) })}
          </p>
        )}
      </div>
    </section>
  );
}

function FamilyMember({ person, onRemoved }: { person: Person; onRemoved: (name: string) => void }) {
  const { t } = useTranslation();
  const f = useFormat();
  const queryClient = useQueryClient();
  const card = useCardDownload();
  const [confirming, setConfirming] = useState(false);
  const name = f.name({ nameEn: person.nameEn, nameBn: person.nameBn ?? '' });
  const remove = useMutation({
    mutationFn: () =>
      unwrap(citizenApi.DELETE('/api/citizen/people/{id}', { params: { path: { id: person.id } } })),
    onSuccess: async () => {
      onRemoved(name);
      await queryClient.invalidateQueries({ queryKey: citizenKeys.all });
    },
  });
  return (
    <li className="card person-card" data-testid="family-member">
      <div className="person-card-head">
        <h3>{name}</h3>
        <VerificationBadge status={person.verificationStatus} />
      </div>
      <dl className="facts">
        <div>
          <dt>{t('registration.fields.registrationNumber')}</dt>
          <dd>
            <code className="reg-number" data-testid="registration-number">
              {person.registrationNumber}
            </code>
          </dd>
        </div>
        <div>
          <dt>{t('registration.fields.group')}</dt>
          <dd>
            {f.name(person.priorityGroup)} <PriorityStatusBadge status={person.priorityStatus} />
          </dd>
        </div>
        <div>
          <dt>{t('registration.fields.centre')}</dt>
          <dd>{person.preferredFacility ? f.name(person.preferredFacility) : '—'}</dd>
        </div>
      </dl>
      <PersonVaccination person={person} />
      <ErrorAlert error={card.error ?? remove.error} />
      {confirming ? (
        <div className="confirm-box" role="group" aria-label={t('citizen.family.removeNamed', { name })}>
          <p>{t('citizen.family.confirmRemove', { name })}</p>
          <div className="actions">
            <button
              type="button"
              className="button danger"
              disabled={remove.isPending}
              onClick={() => remove.mutate()}
              data-testid="confirm-remove"
            >
              {t('citizen.family.confirmRemoveButton')}
            </button>
            <button type="button" className="button secondary" onClick={() => setConfirming(false)}>
              {t('citizen.family.keep')}
            </button>
          </div>
        </div>
      ) : (
        <div className="actions">
          <button
            type="button"
            className="button"
            disabled={card.isPending}
            aria-label={t('citizen.family.downloadNamed', { name })}
            onClick={() => card.mutate(person)}
            data-testid="download-card"
          >
            {card.isPending ? t('citizen.card.preparing') : t('citizen.card.download')}
          </button>
          <button
            type="button"
            className="button secondary"
            aria-label={t('citizen.family.removeNamed', { name })}
            onClick={() => setConfirming(true)}
            data-testid="remove-person"
          >
            {t('citizen.family.remove')}
          </button>
        </div>
      )}
    </li>
  );
}

function DoneView({ person, phone, onBack }: { person: Person; phone: string; onBack: () => void }) {
  const { t } = useTranslation();
  const f = useFormat();
  const card = useCardDownload();
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    heading.current?.focus();
  }, []);
  const name = f.name({ nameEn: person.nameEn, nameBn: person.nameBn ?? '' });
  return (
    <section className="card step-card done" aria-labelledby="done-heading" data-testid="registration-done">
      <h2 id="done-heading" ref={heading} tabIndex={-1}>
        {person.verificationStatus === 'verified'
          ? t('citizen.done.title', { name })
          : t('citizen.done.titleReceived', { name })}
      </h2>
      <p className="reg-number-label">{t('citizen.done.numberLabel')}</p>
      <p className="reg-number-big" data-testid="registration-number">
        {person.registrationNumber}
      </p>
      <p className="field-hint">{t('citizen.done.keepNumber')}</p>
      <p>
        <VerificationBadge status={person.verificationStatus} />
      </p>
      <VerificationExplanation person={person} phone={displayPhone(phone)} />
      {person.priorityStatus === 'awaiting_approval' && (
        <p>{t('registration.explain.awaitingApproval', { group: f.name(person.priorityGroup) })}</p>
      )}
      {person.preferredFacility && (
        <p>{t('citizen.done.centre', { centre: f.name(person.preferredFacility) })}</p>
      )}
      <ErrorAlert error={card.error} />
      <div className="actions">
        <button
          type="button"
          className="button"
          disabled={card.isPending}
          onClick={() => card.mutate(person)}
          data-testid="download-card"
        >
          {card.isPending ? t('citizen.card.preparing') : t('citizen.card.downloadFull')}
        </button>
        <button type="button" className="button secondary" onClick={onBack} data-testid="back-to-family">
          {t('citizen.done.back')}
        </button>
      </div>
    </section>
  );
}
