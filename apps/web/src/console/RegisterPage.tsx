import { useEffect, useRef, useState } from 'react';
import { useQueries, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, unwrap, type Person, type Role } from '../api/client.ts';
import { useSessionState } from '../auth/session.ts';
import { PersonForm } from '../registration/PersonForm.tsx';
import {
  PriorityStatusBadge,
  VerificationBadge,
  VerificationExplanation,
} from '../registration/PersonStatus.tsx';
import { ErrorAlert } from '../ui/ErrorAlert.tsx';
import { isWholeNumber, SelectField } from '../ui/fields.tsx';
import { useFormat } from '../ui/format.ts';
import { usePageTitle } from '../ui/usePageTitle.ts';
import { FacilityPicker } from './FacilityPicker.tsx';
import { facilityKeys } from './facilityQueries.ts';
import { FacilityName } from './ScopeNames.tsx';
import { peopleKeys } from './peopleQueries.ts';
import { usePrintCard } from './PersonPage.tsx';

/** Roles that may register people (person.register). */
const REGISTERING_ROLES: readonly Role[] = [
  'national_admin',
  'area_admin',
  'facility_manager',
  'vaccinator',
  'help_desk',
];

/** Assisted registration at a facility: for people who come in person, with or without a phone. */
export function RegisterPage() {
  const { t } = useTranslation();
  usePageTitle(t('console.sections.register'));
  const user = useSessionState().session?.user;
  const facilityGrants = [
    ...new Set(
      (user?.grants ?? [])
        .filter((g) => g.facilityId !== null && REGISTERING_ROLES.includes(g.role))
        .map((g) => g.facilityId as number),
    ),
  ];
  const [chosen, setChosen] = useState(facilityGrants.length ? String(facilityGrants[0]) : '');
  const [registered, setRegistered] = useState<Person | null>(null);
  const [round, setRound] = useState(0);
  const queryClient = useQueryClient();
  const facilityId = isWholeNumber(chosen) ? Number(chosen) : null;

  return (
    <>
      <h1>{t('console.sections.register')}</h1>
      <p className="lead">{t('register.intro')}</p>

      <section className="panel" aria-labelledby="register-facility-heading">
        <h2 id="register-facility-heading">{t('register.facility')}</h2>
        {facilityGrants.length === 1 && facilityId !== null ? (
          <p data-testid="register-facility">
            {t('register.atFacility')}{' '}
            <strong>
              <FacilityName id={facilityId} />
            </strong>
          </p>
        ) : facilityGrants.length > 1 ? (
          <FacilityGrantSelect ids={facilityGrants} value={chosen} onChange={setChosen} />
        ) : (
          <FacilityPicker
            legend={t('register.chooseFacility')}
            value={chosen}
            onChange={setChosen}
            required
          />
        )}
      </section>

      {registered ? (
        <Registered
          person={registered}
          onAnother={() => {
            setRegistered(null);
            setRound((n) => n + 1);
          }}
        />
      ) : facilityId === null ? (
        <p className="empty">{t('register.chooseFirst')}</p>
      ) : (
        <div className="panel">
          <PersonForm
            key={`${facilityId}-${round}`}
            mode="staff"
            defaultCentreId={facilityId}
            send={(body) =>
              unwrap(
                api.POST('/api/facilities/{id}/registrations', {
                  params: { path: { id: facilityId } },
                  body,
                }),
              )
            }
            onRegistered={(person) => {
              void queryClient.invalidateQueries({ queryKey: peopleKeys.all });
              setRegistered(person);
            }}
          />
        </div>
      )}
    </>
  );
}

function FacilityGrantSelect({
  ids,
  value,
  onChange,
}: {
  ids: number[];
  value: string;
  onChange: (value: string) => void;
}) {
  const { t } = useTranslation();
  const f = useFormat();
  const facilities = useQueries({
    queries: ids.map((id) => ({
      queryKey: facilityKeys.one(id),
      queryFn: () => unwrap(api.GET('/api/facilities/{id}', { params: { path: { id } } })),
      staleTime: 60_000,
    })),
  });
  return (
    <SelectField
      label={t('register.chooseFacility')}
      value={value}
      onChange={onChange}
      className="field-medium"
      options={ids.map((id, i) => {
        const facility = facilities[i]?.data;
        return { value: String(id), label: facility ? f.name(facility) : `#${id}` };
      })}
    />
  );
}

function Registered({ person, onAnother }: { person: Person; onAnother: () => void }) {
  const { t } = useTranslation();
  const f = useFormat();
  const print = usePrintCard();
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    heading.current?.focus();
  }, []);
  const name = f.name({ nameEn: person.nameEn, nameBn: person.nameBn ?? '' });
  return (
    <section className="panel done" aria-labelledby="registered-heading" data-testid="registration-done">
      <h2 id="registered-heading" ref={heading} tabIndex={-1}>
        {t('register.done', { name })}
      </h2>
      <p className="reg-number-label">{t('citizen.done.numberLabel')}</p>
      <p className="reg-number-big" data-testid="registration-number">
        {person.registrationNumber}
      </p>
      <p>
        <VerificationBadge status={person.verificationStatus} />{' '}
        <PriorityStatusBadge status={person.priorityStatus} />
      </p>
      <VerificationExplanation person={person} />
      {person.priorityStatus === 'awaiting_approval' && (
        <p>{t('register.awaitingApproval', { group: f.name(person.priorityGroup) })}</p>
      )}
      <ErrorAlert error={print.error} />
      <div className="actions">
        <button
          type="button"
          className="button"
          disabled={print.isPending}
          onClick={() => print.print(person)}
          data-testid="print-card"
        >
          {print.isPending ? t('citizen.card.preparing') : t('people.record.printCard')}
        </button>
        <button type="button" className="button secondary" onClick={onAnother} data-testid="register-another">
          {t('register.another')}
        </button>
      </div>
    </section>
  );
}
