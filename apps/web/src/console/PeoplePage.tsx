import { useState, type FormEvent } from 'react';
import { Link, useLocation, useNavigate } from 'react-router';
import { useTranslation } from 'react-i18next';
import { normalisePhone } from '@dosewise/domain';
import type { IdType, Person } from '../api/client.ts';
import { useRegistrationMessages } from '../registration/messages.ts';
import { PriorityStatusBadge, VerificationBadge } from '../registration/PersonStatus.tsx';
import { ID_TYPES } from '../registration/rules.ts';
import { ErrorAlert } from '../ui/ErrorAlert.tsx';
import { RadioGroupField, SelectField, TextField } from '../ui/fields.tsx';
import { useFormat } from '../ui/format.ts';
import { Loading } from '../ui/Notice.tsx';
import { TableWrap } from '../ui/TableWrap.tsx';
import { usePageTitle } from '../ui/usePageTitle.ts';
import { usePeopleSearch, type PeopleSearch } from './peopleQueries.ts';

type By = PeopleSearch['by'];
const BY: By[] = ['id', 'registrationNumber', 'phone', 'name'];
/** The server answers with at most this many people. */
const SEARCH_LIMIT = 50;

/**
 * The search is kept in the history entry's state, not in the address: ID numbers, phones and
 * names must not end up in browser history lists, bookmarks or server logs. Back from a record
 * brings the results back.
 */
function searchFromState(state: unknown): PeopleSearch | null {
  if (
    state &&
    typeof state === 'object' &&
    'search' in state &&
    state.search &&
    typeof state.search === 'object'
  ) {
    const s = state.search as PeopleSearch;
    if (BY.includes(s.by)) return s;
  }
  return null;
}

export function PeoplePage() {
  const { t } = useTranslation();
  usePageTitle(t('console.sections.people'));
  const location = useLocation();
  const navigate = useNavigate();
  const f = useFormat();
  const messages = useRegistrationMessages();
  const current = searchFromState(location.state);
  const [by, setBy] = useState<By>(current?.by ?? 'id');
  const [idType, setIdType] = useState<IdType>(current?.by === 'id' ? current.idType : 'nid');
  const [text, setText] = useState(() => {
    switch (current?.by) {
      case 'id':
        return current.idNumber;
      case 'registrationNumber':
        return current.registrationNumber;
      case 'phone':
        return current.phone;
      case 'name':
        return current.name;
      case undefined:
        return '';
    }
  });
  const [problem, setProblem] = useState<string | undefined>();
  const results = usePeopleSearch(current);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const value = text.trim();
    let search: PeopleSearch;
    switch (by) {
      case 'id':
        if (value.length < 4) return setProblem(t('people.search.idTooShort'));
        search = { by, idType, idNumber: value };
        break;
      case 'registrationNumber':
        if (value.length < 4) return setProblem(t('people.search.numberTooShort'));
        search = { by, registrationNumber: value };
        break;
      case 'phone': {
        const phone = normalisePhone(value, 'BD');
        if (!phone.ok) return setProblem(messages.phoneProblem(value ? phone.code : 'missing'));
        search = { by, phone: phone.e164 };
        break;
      }
      case 'name':
        if (value.replace(/\s/g, '').length < 3) return setProblem(t('people.search.nameTooShort'));
        search = { by, name: value };
        break;
    }
    setProblem(undefined);
    void navigate('/console/people', { replace: true, state: { search } });
  };

  const label = {
    id: t(`registration.document.number.${idType}`),
    registrationNumber: t('registration.fields.registrationNumber'),
    phone: t('people.search.phone'),
    name: t('people.search.name'),
  }[by];
  const hint = {
    id: t('people.search.idHint'),
    registrationNumber: t('people.search.numberHint'),
    phone: t('people.search.phoneHint'),
    name: t('people.search.nameHint'),
  }[by];

  return (
    <>
      <h1>{t('console.sections.people')}</h1>
      <p className="lead">{t('people.intro')}</p>
      <form className="panel stack search-panel" noValidate onSubmit={submit} role="search">
        <RadioGroupField
          legend={t('people.search.by')}
          value={by}
          onChange={(value) => {
            setBy(value as By);
            setText('');
            setProblem(undefined);
          }}
          className="inline-options"
          options={BY.map((b) => ({ value: b, label: t(`people.search.byOptions.${b}`) }))}
        />
        <div className="field-row">
          {by === 'id' && (
            <SelectField
              label={t('registration.document.type')}
              value={idType}
              onChange={(value) => setIdType(value as IdType)}
              options={ID_TYPES.map((type) => ({ value: type, label: t(`registration.idTypes.${type}`) }))}
            />
          )}
          <TextField
            type={by === 'phone' ? 'tel' : 'search'}
            label={label}
            hint={hint}
            value={text}
            onChange={setText}
            autoComplete="off"
            inputMode={by === 'phone' ? 'tel' : by === 'id' && idType !== 'passport' ? 'numeric' : 'text'}
            maxLength={by === 'name' ? 100 : 30}
            required
            error={problem}
            className="field-medium"
          />
        </div>
        <p className="audit-note">{t('people.search.audited')}</p>
        <div className="actions">
          <button type="submit" className="button" data-testid="people-search">
            {t('people.search.submit')}
          </button>
        </div>
      </form>

      {current && (
        <section aria-labelledby="people-results-heading">
          <h2 id="people-results-heading">{t('people.results.title')}</h2>
          <ErrorAlert error={results.error} />
          {results.isPending && !results.error && <Loading />}
          {results.data && (
            <p className="muted" role="status">
              {results.data.length === SEARCH_LIMIT
                ? t('people.results.limited', { n: f.number(results.data.length) })
                : t('people.results.count', { count: results.data.length, n: f.number(results.data.length) })}
            </p>
          )}
          {results.data && results.data.length > 0 && <PeopleTable people={results.data} />}
        </section>
      )}
    </>
  );
}

function PeopleTable({ people }: { people: Person[] }) {
  const { t } = useTranslation();
  const f = useFormat();
  const heading = t('people.results.title');
  return (
    <TableWrap label={heading}>
      <table data-testid="people-table">
        <thead>
          <tr>
            <th scope="col">{t('registration.fields.name')}</th>
            <th scope="col">{t('registration.fields.registrationNumber')}</th>
            <th scope="col">{t('registration.fields.dateOfBirth')}</th>
            <th scope="col">{t('registration.fields.idDocument')}</th>
            <th scope="col">{t('registration.fields.union')}</th>
            <th scope="col">{t('registration.fields.group')}</th>
            <th scope="col">{t('registration.fields.status')}</th>
          </tr>
        </thead>
        <tbody>
          {people.map((p) => (
            <tr key={p.id}>
              <th scope="row">
                <Link to={`/console/people/${p.id}`} data-testid="person-link">
                  {f.name({ nameEn: p.nameEn, nameBn: p.nameBn ?? '' })}
                </Link>
              </th>
              <td>
                <code>{p.registrationNumber}</code>
              </td>
              <td className="nowrap">{f.date(p.dateOfBirth)}</td>
              <td className="nowrap">
                {t(`registration.idTypesShort.${p.idType}`)} <MaskedId last4={p.idLast4} />
              </td>
              <td>{f.name({ nameEn: p.areaNameEn, nameBn: p.areaNameBn })}</td>
              <td>
                {f.name(p.priorityGroup)} <PriorityStatusBadge status={p.priorityStatus} />
              </td>
              <td>
                <VerificationBadge status={p.verificationStatus} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}

/** "•••• 7297": only the last four characters of an ID number are ever shown. */
export function MaskedId({ last4 }: { last4: string }) {
  const { t } = useTranslation();
  return (
    <span className="masked-id">
      <span className="visually-hidden">{t('people.maskedId', { last4 })}</span>
      <span aria-hidden="true">
        •••• <code>{last4}</code>
      </span>
    </span>
  );
}
