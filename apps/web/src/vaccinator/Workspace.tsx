import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, ApiError, unwrap, type IdType } from '../api/client.ts';
import type { FacilityPack } from '../api/vaccination.ts';
import { PersonForm } from '../registration/PersonForm.tsx';
import { ErrorAlert } from '../ui/ErrorAlert.tsx';
import { FieldRow, SelectField, TextField } from '../ui/fields.tsx';
import { useFormat } from '../ui/format.ts';
import { Loading } from '../ui/Notice.tsx';
import { TableWrap } from '../ui/TableWrap.tsx';
import {
  findInPack,
  fromLookup,
  fromPackAppointment,
  readScan,
  type Candidate,
  type ScanResult,
} from './candidate.ts';
import { loadPack, savePack, type StoredPack } from './offlineStore.ts';
import { RecordDose } from './RecordDose.tsx';
import { Scanner } from './Scanner.tsx';
import { SyncPanel } from './SyncPanel.tsx';
import { onSynced, useSyncState } from './sync.ts';
import { programmeToday } from '../scheduling/format.ts';

type Tab = 'queue' | 'find' | 'walkIn';

/** A device clock further than this from the server's is pointed out (times of doses come from it). */
const CLOCK_TOLERANCE_MS = 5 * 60_000;

/** The vaccinator's day at one facility: the queue, finding a person, recording the dose. */
export function Workspace({ facilityId, userId }: { facilityId: number; userId: number }) {
  const { t } = useTranslation();
  const f = useFormat();
  const { online } = useSyncState();
  const [stored, setStored] = useState<StoredPack | null>(null);
  const [packState, setPackState] = useState<'loading' | 'ready' | 'missing'>('loading');
  const [packError, setPackError] = useState<unknown>(null);
  const [tab, setTab] = useState<Tab>('queue');
  const [candidate, setCandidate] = useState<Candidate | null>(null);
  const [given, setGiven] = useState<Set<number>>(new Set());

  const fetchPack = useCallback(async () => {
    try {
      const pack = await unwrap(
        api.GET('/api/vaccinator/facilities/{id}/pack', {
          params: { path: { id: facilityId }, query: { date: programmeToday() } },
        }),
      );
      setStored(await savePack(facilityId, pack));
      setPackState('ready');
      setPackError(null);
    } catch (e) {
      setPackError(e);
      setPackState((s) => (s === 'loading' ? 'missing' : s));
    }
  }, [facilityId]);

  useEffect(() => {
    let live = true;
    void (async () => {
      const local = await loadPack(facilityId);
      if (!live) return;
      if (local) {
        setStored(local);
        setPackState('ready');
      }
      if (navigator.onLine) await fetchPack();
      else if (!local) setPackState('missing');
    })();
    return () => {
      live = false;
    };
  }, [facilityId, fetchPack]);

  // After an upload the day's list is fetched again: the appointments just vaccinated show as such.
  useEffect(() => onSynced(() => void fetchPack()), [fetchPack]);

  const pack = stored?.pack ?? null;
  const skewMs = stored?.clockSkewMs ?? 0;
  const staleDate = pack && pack.date !== programmeToday();

  if (candidate)
    return (
      <>
        <SyncPanel userId={userId} />
        <RecordDose
          candidate={candidate}
          pack={pack}
          facilityId={facilityId}
          userId={userId}
          onDone={(personId) => {
            setGiven((s) => new Set(s).add(personId));
            setCandidate(null);
          }}
          onBack={() => setCandidate(null)}
        />
      </>
    );

  return (
    <>
      <SyncPanel userId={userId} />
      <section className="panel pack-panel" aria-labelledby="pack-heading">
        <div className="panel-head">
          <h1 id="pack-heading" data-testid="facility-name">
            {pack
              ? f.name({ nameEn: pack.facility.nameEn, nameBn: pack.facility.nameBn })
              : t('vaccinator.title')}
          </h1>
          <button
            type="button"
            className="button secondary small"
            disabled={!online}
            onClick={() => void fetchPack()}
            data-testid="refresh-pack"
          >
            {t('vaccinator.pack.refresh')}
          </button>
        </div>
        {packState === 'loading' && <Loading />}
        {packState === 'missing' && (
          <p className="alert" role="alert">
            {t('vaccinator.pack.missing')}
          </p>
        )}
        {stored && (
          <p className="muted" data-testid="pack-status">
            {t('vaccinator.pack.saved', {
              date: f.date(stored.pack.date),
              at: f.dateTime(stored.savedAt),
              count: stored.pack.appointments.length,
              n: f.number(stored.pack.appointments.length),
            })}
          </p>
        )}
        {staleDate && <p className="alert">{t('vaccinator.pack.otherDay')}</p>}
        {Math.abs(skewMs) > CLOCK_TOLERANCE_MS && (
          <p className="alert" role="alert">
            {t('vaccinator.clockOff', { minutes: f.number(Math.round(skewMs / 60_000)) })}
          </p>
        )}
        <ErrorAlert error={packError instanceof ApiError && packError.status !== 0 ? packError : null} />
      </section>

      <nav className="tabs" aria-label={t('vaccinator.tabs')}>
        {(['queue', 'find', 'walkIn'] as const).map((k) => (
          <button
            key={k}
            type="button"
            className={`tab ${tab === k ? 'tab-current' : ''}`}
            aria-pressed={tab === k}
            onClick={() => setTab(k)}
            data-testid={`tab-${k}`}
          >
            {t(`vaccinator.tab.${k}`)}
          </button>
        ))}
      </nav>

      {tab === 'queue' && <Queue pack={pack} given={given} facilityId={facilityId} onOpen={setCandidate} />}
      {tab === 'find' && <Find pack={pack} facilityId={facilityId} onFound={setCandidate} />}
      {tab === 'walkIn' && <WalkIn pack={pack} facilityId={facilityId} onRegistered={setCandidate} />}
    </>
  );
}

/** Looks a person up on the server; with no connection, in the pack. */
async function findPerson(
  facilityId: number,
  pack: FacilityPack | null,
  query: { registrationNumber: string; cardToken?: string } | { idType: IdType; idNumber: string },
  cardVerified: boolean,
  walkIn = false,
): Promise<Candidate | 'not_found' | 'needs_connection'> {
  const offline = () => {
    if (!('registrationNumber' in query)) return 'needs_connection' as const;
    const a = findInPack(pack, query.registrationNumber);
    return a ? fromPackAppointment(a, cardVerified) : ('not_found' as const);
  };
  if (!navigator.onLine) return offline();
  try {
    const body =
      'registrationNumber' in query
        ? query.cardToken
          ? { facilityId, cardToken: query.cardToken }
          : { facilityId, registrationNumber: query.registrationNumber }
        : { facilityId, idType: query.idType, idNumber: query.idNumber };
    const found = await unwrap(api.POST('/api/vaccinator/lookup', { body }));
    return fromLookup(found, pack, cardVerified, walkIn);
  } catch (e) {
    if (e instanceof ApiError && e.status === 0) return offline();
    if (e instanceof ApiError && e.status === 404) return 'not_found';
    throw e;
  }
}

function Queue({
  pack,
  given,
  facilityId,
  onOpen,
}: {
  pack: FacilityPack | null;
  given: Set<number>;
  facilityId: number;
  onOpen: (c: Candidate) => void;
}) {
  const { t } = useTranslation();
  const f = useFormat();
  const { doses } = useSyncState();
  const [error, setError] = useState<unknown>(null);
  const [q, setQ] = useState('');
  if (!pack) return null;
  const waiting = new Set(doses.filter((d) => d.status === 'pending').map((d) => d.record.personId));
  const text = q.trim().toLowerCase();
  const rows = pack.appointments.filter(
    (a) =>
      !text ||
      a.registrationNumber.toLowerCase().includes(text) ||
      a.nameEn.toLowerCase().includes(text) ||
      (a.nameBn ?? '').includes(q.trim()),
  );
  const open = async (registrationNumber: string) => {
    setError(null);
    try {
      const found = await findPerson(facilityId, pack, { registrationNumber }, false);
      if (typeof found !== 'string') onOpen(found);
      else setError(new ApiError(404, 'not_found', t('vaccinator.find.notFound')));
    } catch (e) {
      setError(e);
    }
  };
  return (
    <section aria-labelledby="queue-heading">
      <h2 id="queue-heading">{t('vaccinator.queue.title', { n: f.number(pack.appointments.length) })}</h2>
      <TextField label={t('vaccinator.queue.filter')} type="search" value={q} onChange={setQ} />
      <ErrorAlert error={error} />
      {rows.length === 0 ? (
        <p className="empty">{t('vaccinator.queue.empty')}</p>
      ) : (
        <TableWrap label={t('vaccinator.queue.title', { n: f.number(pack.appointments.length) })}>
          <table data-testid="vaccinator-queue">
            <thead>
              <tr>
                <th scope="col">{t('vaccinator.person')}</th>
                <th scope="col">{t('vaccinator.queue.status')}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((a) => {
                const done = given.has(a.personId) || a.status === 'attended';
                const pending = waiting.has(a.personId);
                return (
                  <tr key={a.appointmentId} data-testid={`queue-row-${a.registrationNumber}`}>
                    <th scope="row">
                      {f.name({ nameEn: a.nameEn, nameBn: a.nameBn ?? '' })}
                      <br />
                      <code className="small">{a.registrationNumber}</code>
                      <br />
                      <span className="muted small">
                        {t('vaccinator.doseN', { n: f.number(a.doseNumber) })}
                      </span>
                    </th>
                    <td>
                      {pending ? (
                        <span className="badge badge-warn">{t('vaccinator.queue.pendingUpload')}</span>
                      ) : done ? (
                        <span className="badge badge-ok">{t('vaccinator.queue.vaccinated')}</span>
                      ) : (
                        <span className="badge badge-info">{t('vaccinator.queue.waiting')}</span>
                      )}
                      <br />
                      <button
                        type="button"
                        className="button small"
                        disabled={done || pending}
                        aria-label={`${t('vaccinator.queue.open')}: ${f.name({ nameEn: a.nameEn, nameBn: a.nameBn ?? '' })}`}
                        onClick={() => void open(a.registrationNumber)}
                      >
                        {t('vaccinator.queue.open')}
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </TableWrap>
      )}
    </section>
  );
}

const ID_TYPES: IdType[] = ['nid', 'birth_registration', 'passport'];

function Find({
  pack,
  facilityId,
  onFound,
}: {
  pack: FacilityPack | null;
  facilityId: number;
  onFound: (c: Candidate) => void;
}) {
  const { t } = useTranslation();
  const [manual, setManual] = useState('');
  const [idType, setIdType] = useState<IdType>('nid');
  const [idNumber, setIdNumber] = useState('');
  const [camera, setCamera] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const settle = (found: Candidate | 'not_found' | 'needs_connection') => {
    if (found === 'not_found') setProblem(t('vaccinator.find.notFound'));
    else if (found === 'needs_connection') setProblem(t('vaccinator.find.needsConnection'));
    else onFound(found);
  };

  const handleScan = async (scan: ScanResult) => {
    if (scan.kind === 'card_invalid') {
      setProblem(t(`vaccinator.card.${scan.reason}`));
      return;
    }
    const found = await findPerson(
      facilityId,
      pack,
      scan.kind === 'card'
        ? { registrationNumber: scan.registrationNumber, cardToken: scan.token }
        : { registrationNumber: scan.registrationNumber },
      scan.kind === 'card',
    );
    settle(found);
  };

  const run = async (work: () => Promise<void>) => {
    setBusy(true);
    setProblem(null);
    setError(null);
    try {
      await work();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const submitManual = (e: FormEvent) => {
    e.preventDefault();
    if (!manual.trim()) return;
    void run(async () => handleScan(await readScan(manual, pack)));
  };
  const submitId = (e: FormEvent) => {
    e.preventDefault();
    if (!idNumber.trim()) return;
    void run(async () =>
      settle(await findPerson(facilityId, pack, { idType, idNumber: idNumber.trim() }, false)),
    );
  };

  return (
    <section className="stack" aria-labelledby="find-heading">
      <h2 id="find-heading">{t('vaccinator.find.title')}</h2>
      <div className="panel">
        <h3>{t('vaccinator.find.scan')}</h3>
        {camera ? (
          <Scanner
            onResult={(text) => {
              setCamera(false);
              void run(async () => handleScan(await readScan(text, pack)));
            }}
            onClose={() => setCamera(false)}
          />
        ) : (
          <button type="button" className="button" onClick={() => setCamera(true)} data-testid="start-camera">
            {t('vaccinator.find.startCamera')}
          </button>
        )}
      </div>
      <form className="panel stack" onSubmit={submitManual}>
        <h3>{t('vaccinator.find.manual')}</h3>
        <TextField
          label={t('vaccinator.find.manualLabel')}
          hint={t('vaccinator.find.manualHint')}
          value={manual}
          onChange={setManual}
          autoComplete="off"
          maxLength={2000}
        />
        <div className="actions">
          <button type="submit" className="button" disabled={busy} data-testid="find-submit">
            {t('vaccinator.find.submit')}
          </button>
        </div>
      </form>
      <form className="panel stack" onSubmit={submitId}>
        <h3>{t('vaccinator.find.byId')}</h3>
        <FieldRow>
          <SelectField
            label={t('vaccinator.find.idType')}
            value={idType}
            onChange={(v) => setIdType(v as IdType)}
            options={ID_TYPES.map((v) => ({ value: v, label: t(`registration.idTypes.${v}`) }))}
          />
          <TextField
            label={t('vaccinator.find.idNumber')}
            value={idNumber}
            onChange={setIdNumber}
            maxLength={30}
          />
        </FieldRow>
        <p className="field-hint">{t('vaccinator.find.byIdHint')}</p>
        <div className="actions">
          <button type="submit" className="button secondary" disabled={busy}>
            {t('vaccinator.find.submit')}
          </button>
        </div>
      </form>
      {problem && (
        <p className="alert" role="alert" data-testid="find-problem">
          {problem}
        </p>
      )}
      <ErrorAlert error={error} />
    </section>
  );
}

/** Someone without an appointment: registered here, then vaccinated, in one flow (needs a connection). */
function WalkIn({
  pack,
  facilityId,
  onRegistered,
}: {
  pack: FacilityPack | null;
  facilityId: number;
  onRegistered: (c: Candidate) => void;
}) {
  const { t } = useTranslation();
  const { online } = useSyncState();
  const [error, setError] = useState<unknown>(null);
  if (!online)
    return (
      <p className="alert" role="alert">
        {t('vaccinator.walkIn.needsConnection')}
      </p>
    );
  return (
    <section className="panel" aria-labelledby="walkin-heading">
      <h2 id="walkin-heading">{t('vaccinator.walkIn.title')}</h2>
      <p className="panel-intro">{t('vaccinator.walkIn.intro')}</p>
      <ErrorAlert error={error} />
      <PersonForm
        mode="staff"
        defaultCentreId={facilityId}
        send={(body) =>
          unwrap(
            api.POST('/api/facilities/{id}/registrations', { params: { path: { id: facilityId } }, body }),
          )
        }
        onRegistered={(person) => {
          void findPerson(facilityId, pack, { registrationNumber: person.registrationNumber }, false, true)
            .then((found) => {
              if (typeof found !== 'string') onRegistered({ ...found, walkIn: true });
            })
            .catch(setError);
        }}
      />
    </section>
  );
}
