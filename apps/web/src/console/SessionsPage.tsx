import { useEffect, useId, useRef, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useMutation, useQueries, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { addDays } from '@dosewise/domain';
import { api, unwrap } from '../api/client.ts';
import type { Session, SessionStatus } from '../api/scheduling.ts';
import { useSessionState } from '../auth/session.ts';
import { AppointmentStatusBadge } from '../booking/AppointmentStatusBadge.tsx';
import { FillBar, fillLevel } from '../scheduling/FillBar.tsx';
import { mondayOf, programmeToday, useScheduleFormat } from '../scheduling/format.ts';
import { useSessionMessage } from '../scheduling/messages.ts';
import { ErrorAlert } from '../ui/ErrorAlert.tsx';
import { RadioGroupField, SelectField, TextAreaField, isWholeNumber } from '../ui/fields.tsx';
import { Loading, Notice } from '../ui/Notice.tsx';
import { TableWrap } from '../ui/TableWrap.tsx';
import { usePageTitle } from '../ui/usePageTitle.ts';
import { FacilityPicker } from './FacilityPicker.tsx';
import { facilityKeys } from './facilityQueries.ts';
import { facilitiesFor, hasWideGrant, mayDo } from './permissions.ts';
import { FacilityName } from './ScopeNames.tsx';
import { SessionForm, TemplateForm } from './SessionForms.tsx';
import { sessionKeys, useAttendance, useSessionAppointments, useSessions } from './sessionQueries.ts';
import '../scheduling/scheduling.css';

/** Days of attendance the no-show rate is counted over. */
const ATTENDANCE_DAYS = 30;

type Panel = 'none' | 'single' | 'template';

/** What was just planned; worded at render time, so it follows a change of language. */
type Planned =
  | { kind: 'one'; date: string; startsAt: string; endsAt: string }
  | { kind: 'pattern'; created: number; skippedDates: string[] };

/** The session planner of one facility: a calendar of its sessions with their fill, and the plans. */
export function SessionsPage() {
  const { t } = useTranslation();
  usePageTitle(t('console.sections.sessions'));
  const user = useSessionState().session?.user;
  const own = facilitiesFor(user, 'session.read');
  const wide = hasWideGrant(user, 'session.read');
  const [params, setParams] = useSearchParams();
  const chosen = params.get('facility') ?? (own.length > 0 && !wide ? String(own[0]) : '');
  const facilityId = isWholeNumber(chosen) ? Number(chosen) : null;
  const setFacility = (value: string) =>
    setParams(
      (p) => {
        const next = new URLSearchParams(p);
        if (value) next.set('facility', value);
        else next.delete('facility');
        return next;
      },
      { replace: true },
    );

  return (
    <>
      <h1>{t('console.sections.sessions')}</h1>
      <p className="lead">{t('sessions.intro')}</p>
      <section className="panel" aria-labelledby="sessions-facility-heading">
        <h2 id="sessions-facility-heading">{t('sessions.facility')}</h2>
        {!wide && own.length === 1 && facilityId !== null ? (
          <p data-testid="sessions-facility">
            <strong>
              <FacilityName id={facilityId} />
            </strong>
          </p>
        ) : !wide && own.length > 1 ? (
          <OwnFacilitySelect ids={own} value={chosen} onChange={setFacility} />
        ) : (
          <FacilityPicker
            legend={t('sessions.chooseFacility')}
            value={chosen}
            onChange={setFacility}
            required
          />
        )}
      </section>
      {facilityId === null ? (
        <p className="empty">{t('sessions.chooseFirst')}</p>
      ) : (
        <FacilityPlanner key={facilityId} facilityId={facilityId} canWrite={mayDo(user, 'session.write')} />
      )}
    </>
  );
}

function OwnFacilitySelect({
  ids,
  value,
  onChange,
}: {
  ids: number[];
  value: string;
  onChange: (value: string) => void;
}) {
  const { t } = useTranslation();
  const f = useScheduleFormat();
  const facilities = useQueries({
    queries: ids.map((id) => ({
      queryKey: facilityKeys.one(id),
      queryFn: () => unwrap(api.GET('/api/facilities/{id}', { params: { path: { id } } })),
      staleTime: 60_000,
    })),
  });
  return (
    <SelectField
      label={t('sessions.chooseFacility')}
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

function FacilityPlanner({ facilityId, canWrite }: { facilityId: number; canWrite: boolean }) {
  const { t } = useTranslation();
  const f = useScheduleFormat();
  const [today] = useState(programmeToday);
  const [weekStart, setWeekStart] = useState(() => mondayOf(today));
  const [span, setSpan] = useState<7 | 14>(14);
  const [panel, setPanel] = useState<Panel>('none');
  const [notice, setNotice] = useState<Planned | null>(null);
  const [selected, setSelected] = useState<number | null>(null);
  const to = addDays(weekStart, span - 1);
  const sessions = useSessions(facilityId, weekStart, to);
  const selectedSession = sessions.data?.find((s) => s.id === selected) ?? null;

  const plannedText = (p: Planned) =>
    p.kind === 'one'
      ? t('sessions.created', { date: f.longDate(p.date), hours: f.hours(p.startsAt, p.endsAt) })
      : [
          t('sessions.templateCreated', { count: p.created, n: f.number(p.created) }),
          p.skippedDates.length
            ? t('sessions.templateSkipped', {
                count: p.skippedDates.length,
                n: f.number(p.skippedDates.length),
                dates: p.skippedDates.map((d) => f.dayLabel(d)).join(', '),
              })
            : '',
        ]
          .filter(Boolean)
          .join(' ');

  const open = (next: Panel) => {
    setNotice(null);
    setPanel(panel === next ? 'none' : next);
  };

  return (
    <>
      <Attendance facilityId={facilityId} today={today} />
      <div className="toolbar planner-toolbar">
        <div className="toolbar-filters">
          <nav className="week-nav" aria-label={t('sessions.calendar.weeks')}>
            <button
              type="button"
              className="button secondary small"
              onClick={() => setWeekStart(addDays(weekStart, -7))}
            >
              {t('sessions.calendar.previous')}
            </button>
            <button
              type="button"
              className="button secondary small"
              onClick={() => setWeekStart(mondayOf(today))}
            >
              {t('sessions.calendar.thisWeek')}
            </button>
            <button
              type="button"
              className="button secondary small"
              onClick={() => setWeekStart(addDays(weekStart, 7))}
            >
              {t('sessions.calendar.next')}
            </button>
          </nav>
          <RadioGroupField
            legend={t('sessions.calendar.show')}
            value={String(span)}
            onChange={(v) => setSpan(v === '7' ? 7 : 14)}
            className="inline-options span-options"
            options={[
              { value: '7', label: t('sessions.calendar.oneWeek') },
              { value: '14', label: t('sessions.calendar.twoWeeks') },
            ]}
          />
        </div>
        {canWrite && (
          <div className="toolbar-actions">
            <button
              type="button"
              className="button"
              aria-expanded={panel === 'single'}
              onClick={() => open('single')}
              data-testid="plan-session"
            >
              {t('sessions.planOne')}
            </button>
            <button
              type="button"
              className="button secondary"
              aria-expanded={panel === 'template'}
              onClick={() => open('template')}
              data-testid="plan-template"
            >
              {t('sessions.planWeekly')}
            </button>
          </div>
        )}
      </div>
      {notice && <Notice>{plannedText(notice)}</Notice>}
      {panel === 'single' && (
        <SessionForm
          facilityId={facilityId}
          onCancel={() => setPanel('none')}
          onDone={(s) => {
            setPanel('none');
            setWeekStart(mondayOf(s.date));
            setSelected(s.id);
            setNotice({ kind: 'one', date: s.date, startsAt: s.startsAt, endsAt: s.endsAt });
          }}
        />
      )}
      {panel === 'template' && (
        <TemplateForm
          facilityId={facilityId}
          onCancel={() => setPanel('none')}
          onDone={(r) => {
            setPanel('none');
            setWeekStart(mondayOf(r.created[0]?.date ?? r.from));
            setNotice({ kind: 'pattern', created: r.created.length, skippedDates: r.skippedDates });
          }}
        />
      )}
      <section aria-labelledby="calendar-heading" className="planner">
        <h2 id="calendar-heading" data-testid="calendar-range">
          {t('sessions.calendar.range', { from: f.dayLabel(weekStart), to: f.dayLabel(to) })}
        </h2>
        <ErrorAlert error={sessions.error} />
        {sessions.isPending ? (
          <Loading />
        ) : (
          <Calendar
            from={weekStart}
            days={span}
            today={today}
            sessions={sessions.data ?? []}
            selected={selected}
            onSelect={(id) => setSelected(selected === id ? null : id)}
          />
        )}
        <FillLegend />
      </section>
      {selectedSession && (
        <SessionDetail
          key={selectedSession.id}
          session={selectedSession}
          today={today}
          canWrite={canWrite}
          onClose={() => setSelected(null)}
        />
      )}
    </>
  );
}

function Attendance({ facilityId, today }: { facilityId: number; today: string }) {
  const { t } = useTranslation();
  const f = useScheduleFormat();
  const from = addDays(today, -ATTENDANCE_DAYS);
  const attendance = useAttendance(facilityId, from, today);
  const a = attendance.data;
  return (
    <section className="attendance" aria-labelledby="attendance-heading">
      <h2 id="attendance-heading" className="visually-hidden">
        {t('sessions.attendance.title', { days: f.number(ATTENDANCE_DAYS) })}
      </h2>
      <ErrorAlert error={attendance.error} />
      <dl className="stats" data-testid="attendance">
        <div>
          <dt>{t('sessions.attendance.attended', { days: f.number(ATTENDANCE_DAYS) })}</dt>
          <dd>{a ? f.number(a.attended) : '—'}</dd>
        </div>
        <div>
          <dt>{t('sessions.attendance.missed', { days: f.number(ATTENDANCE_DAYS) })}</dt>
          <dd>{a ? f.number(a.missed) : '—'}</dd>
        </div>
        <div className={a?.noShowRate && a.noShowRate > 0.2 ? 'stat-bad' : undefined}>
          <dt>{t('sessions.attendance.noShowRate', { days: f.number(ATTENDANCE_DAYS) })}</dt>
          <dd data-testid="no-show-rate">{a && a.noShowRate !== null ? f.percent(a.noShowRate) : '—'}</dd>
        </div>
      </dl>
    </section>
  );
}

const STATUS_TONE: Record<SessionStatus, string> = {
  open: 'badge-ok',
  closed: 'badge-muted',
  cancelled: 'badge-bad',
};

function SessionStatusBadge({ status }: { status: SessionStatus }) {
  const { t } = useTranslation();
  return <span className={`badge ${STATUS_TONE[status]}`}>{t(`sessions.status.${status}`)}</span>;
}

/** One or two weeks, Monday first: each day with its sessions as buttons showing their fill. */
function Calendar({
  from,
  days,
  today,
  sessions,
  selected,
  onSelect,
}: {
  from: string;
  days: number;
  today: string;
  sessions: Session[];
  selected: number | null;
  onSelect: (id: number) => void;
}) {
  const { t } = useTranslation();
  const f = useScheduleFormat();
  const dates = Array.from({ length: days }, (_, i) => addDays(from, i));
  return (
    <ol className="calendar" role="list" data-testid="calendar">
      {dates.map((date) => {
        const daySessions = sessions
          .filter((s) => s.date === date)
          .sort((a, b) => a.startsAt.localeCompare(b.startsAt));
        const past = date < today;
        return (
          <li
            key={date}
            className={`calendar-day${date === today ? ' is-today' : ''}${past ? ' is-past' : ''}${daySessions.length ? '' : ' is-empty'}`}
            data-date={date}
            data-testid="calendar-day"
          >
            <h3 className="calendar-date">
              {f.dayLabel(date)}
              {date === today && <span className="today-mark"> · {t('sessions.calendar.today')}</span>}
            </h3>
            {daySessions.length === 0 ? (
              <p className="calendar-none">{t('sessions.calendar.none')}</p>
            ) : (
              <ul role="list" className="calendar-sessions">
                {daySessions.map((s) => (
                  <li key={s.id}>
                    <button
                      type="button"
                      className={`session-chip status-${s.status} level-${fillLevel(s.booked, s.capacity)}`}
                      aria-pressed={selected === s.id}
                      aria-label={t('sessions.calendar.chipLabel', {
                        date: f.longDate(s.date),
                        hours: f.hours(s.startsAt, s.endsAt),
                        vaccine: s.product.name,
                        booked: f.number(s.booked),
                        capacity: f.number(s.capacity),
                        status: t(`sessions.status.${s.status}`),
                      })}
                      onClick={() => onSelect(s.id)}
                      data-testid="session-chip"
                      data-session-id={s.id}
                    >
                      <span className="chip-time">{f.hours(s.startsAt, s.endsAt)}</span>
                      <span className="chip-what">
                        {s.product.code} ·{' '}
                        {t('sessions.dosesShort', {
                          doses: s.doseNumbers.map((d) => f.number(d)).join(', '),
                        })}
                      </span>
                      <FillBar booked={s.booked} capacity={s.capacity} compact muted={s.status !== 'open'} />
                      {s.status !== 'open' && (
                        <span className="chip-status">{t(`sessions.status.${s.status}`)}</span>
                      )}
                    </button>
                  </li>
                ))}
              </ul>
            )}
          </li>
        );
      })}
    </ol>
  );
}

function FillLegend() {
  const { t } = useTranslation();
  return (
    <ul className="fill-legend" role="list" aria-label={t('sessions.legend.title')}>
      {(['low', 'mid', 'high', 'full', 'muted'] as const).map((level) => (
        <li key={level}>
          <span className={`legend-swatch fill-${level}`} aria-hidden="true" />
          {t(`sessions.legend.${level}`)}
        </li>
      ))}
    </ul>
  );
}

function SessionDetail({
  session: s,
  today,
  canWrite,
  onClose,
}: {
  session: Session;
  today: string;
  canWrite: boolean;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const f = useScheduleFormat();
  const queryClient = useQueryClient();
  const sessionMessage = useSessionMessage();
  const headingId = useId();
  const heading = useRef<HTMLHeadingElement>(null);
  const [cancelling, setCancelling] = useState(false);
  const [reason, setReason] = useState('');
  const [reasonProblem, setReasonProblem] = useState<string | undefined>();
  const [changed, setChanged] = useState<SessionStatus | null>(null);
  useEffect(() => {
    heading.current?.focus();
  }, []);
  const change = useMutation({
    mutationFn: (body: { status: SessionStatus; reason?: string }) =>
      unwrap(api.POST('/api/sessions/{id}/status', { params: { path: { id: s.id } }, body })),
    onSuccess: async (saved) => {
      setCancelling(false);
      setChanged(saved.status);
      await queryClient.invalidateQueries({ queryKey: sessionKeys.all });
    },
  });
  const past = s.date < today;
  const ages =
    s.maxAgeYears === null
      ? t('sessions.agesFrom', { min: f.number(s.minAgeYears) })
      : t('sessions.agesRange', { min: f.number(s.minAgeYears), max: f.number(s.maxAgeYears) });

  return (
    <section className="panel session-detail" aria-labelledby={headingId} data-testid="session-detail">
      <div className="panel-head">
        <h2 id={headingId} ref={heading} tabIndex={-1}>
          {t('sessions.detail.title', { date: f.longDate(s.date), hours: f.hours(s.startsAt, s.endsAt) })}
        </h2>
        <button type="button" className="button secondary small" onClick={onClose}>
          {t('common.close')}
        </button>
      </div>
      {changed && <Notice>{t(`sessions.detail.changed.${changed}`)}</Notice>}
      <dl className="facts facts-grid">
        <div>
          <dt>{t('sessions.detail.vaccine')}</dt>
          <dd>
            {s.product.name} ({s.product.code})
          </dd>
        </div>
        <div>
          <dt>{t('sessions.detail.doses')}</dt>
          <dd>{s.doseNumbers.map((d) => f.number(d)).join(', ')}</dd>
        </div>
        <div>
          <dt>{t('sessions.detail.ages')}</dt>
          <dd>{ages}</dd>
        </div>
        <div>
          <dt>{t('sessions.detail.status')}</dt>
          <dd>
            <SessionStatusBadge status={s.status} />
            {s.cancelReason && <span className="muted"> {s.cancelReason}</span>}
          </dd>
        </div>
        <div>
          <dt>{t('sessions.detail.seats')}</dt>
          <dd>
            <FillBar booked={s.booked} capacity={s.capacity} muted={s.status !== 'open'} />
          </dd>
        </div>
        <div>
          <dt>{t('sessions.detail.free')}</dt>
          <dd>{f.number(s.available)}</dd>
        </div>
      </dl>

      {s.slots.length > 1 && (
        <TableWrap label={t('sessions.detail.slots')}>
          <table className="slots-table">
            <caption>{t('sessions.detail.slots')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('sessions.detail.time')}</th>
                <th scope="col">{t('sessions.detail.seats')}</th>
                <th scope="col" className="num">
                  {t('sessions.detail.free')}
                </th>
              </tr>
            </thead>
            <tbody>
              {s.slots.map((slot) => (
                <tr key={slot.id}>
                  <th scope="row">{f.hours(slot.startsAt, slot.endsAt)}</th>
                  <td>
                    <FillBar
                      booked={slot.booked}
                      capacity={slot.capacity}
                      compact
                      muted={s.status !== 'open'}
                    />
                  </td>
                  <td className="num">{f.number(slot.available)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}

      <ErrorAlert error={change.error} localMessage={sessionMessage} />
      {canWrite && s.status !== 'cancelled' && !cancelling && (
        <div className="actions">
          {s.status === 'open' ? (
            <button
              type="button"
              className="button secondary"
              disabled={change.isPending}
              onClick={() => change.mutate({ status: 'closed' })}
              data-testid="close-session"
            >
              {t('sessions.detail.close')}
            </button>
          ) : (
            <button
              type="button"
              className="button secondary"
              disabled={change.isPending || past}
              onClick={() => change.mutate({ status: 'open' })}
              data-testid="open-session"
            >
              {t('sessions.detail.open')}
            </button>
          )}
          {!past && (
            <button
              type="button"
              className="button danger"
              onClick={() => {
                change.reset();
                setCancelling(true);
              }}
              data-testid="cancel-session"
            >
              {t('sessions.detail.cancel')}
            </button>
          )}
        </div>
      )}
      {cancelling && (
        <form
          className="confirm-box stack"
          onSubmit={(e) => {
            e.preventDefault();
            if (reason.trim().length < 3) {
              setReasonProblem(t('sessions.detail.reasonTooShort'));
              return;
            }
            setReasonProblem(undefined);
            change.mutate({ status: 'cancelled', reason: reason.trim() });
          }}
        >
          <p>
            {s.booked > 0
              ? t('sessions.detail.cancelWarning', { count: s.booked, n: f.number(s.booked) })
              : t('sessions.detail.cancelEmpty')}
          </p>
          <TextAreaField
            label={t('sessions.detail.reason')}
            hint={t('sessions.detail.reasonHint')}
            value={reason}
            onChange={setReason}
            rows={3}
            maxLength={300}
            error={reasonProblem}
            required
            prose
          />
          <div className="actions">
            <button type="submit" className="button danger" disabled={change.isPending}>
              {t('sessions.detail.confirmCancel')}
            </button>
            <button type="button" className="button secondary" onClick={() => setCancelling(false)}>
              {t('sessions.detail.keep')}
            </button>
          </div>
        </form>
      )}
      <SessionAppointments session={s} />
    </section>
  );
}

function SessionAppointments({ session }: { session: Session }) {
  const { t } = useTranslation();
  const f = useScheduleFormat();
  const appointments = useSessionAppointments(session.id);
  const rows = appointments.data ?? [];
  const headingId = useId();
  return (
    <section aria-labelledby={headingId} className="session-appointments">
      <h3 id={headingId}>
        {t('sessions.detail.appointments')}
        {appointments.data && <span className="muted"> ({f.number(rows.length)})</span>}
      </h3>
      <ErrorAlert error={appointments.error} />
      {appointments.isPending && <Loading />}
      {appointments.data && rows.length === 0 && (
        <p className="empty">{t('sessions.detail.noAppointments')}</p>
      )}
      {rows.length > 0 && (
        <TableWrap label={t('sessions.detail.appointments')}>
          <table data-testid="session-appointments">
            <thead>
              <tr>
                <th scope="col">{t('sessions.detail.time')}</th>
                <th scope="col">{t('sessions.detail.person')}</th>
                <th scope="col">{t('registration.fields.registrationNumber')}</th>
                <th scope="col" className="num">
                  {t('sessions.detail.dose')}
                </th>
                <th scope="col">{t('sessions.detail.status')}</th>
                <th scope="col">{t('sessions.detail.bookedVia')}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((a) => (
                <tr key={a.id}>
                  <td className="nowrap">{f.hours(a.startsAt, a.endsAt)}</td>
                  <th scope="row">
                    <Link to={`/console/people/${a.personId}`}>
                      {f.name({ nameEn: a.nameEn, nameBn: a.nameBn ?? '' })}
                    </Link>
                  </th>
                  <td>
                    <code>{a.registrationNumber}</code>
                  </td>
                  <td className="num">{f.number(a.doseNumber)}</td>
                  <td>
                    <AppointmentStatusBadge status={a.status} />
                  </td>
                  <td>{t(`sessions.bookedVia.${a.bookedVia}`)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
    </section>
  );
}
