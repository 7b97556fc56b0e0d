import { useEffect, useRef, useState } from 'react';
import { useNavigate } from 'react-router';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { ApiError, type Person } from '../api/client.ts';
import type { Appointment, AvailableSession, AvailableSlot } from '../api/scheduling.ts';
import { citizenKeys } from '../citizen/queries.ts';
import { useScheduleFormat } from '../scheduling/format.ts';
import { detailsOf, useBookingMessage } from '../scheduling/messages.ts';
import { ErrorAlert } from '../ui/ErrorAlert.tsx';
import type { Named } from '../ui/format.ts';
import { slipPath } from './PersonVaccination.tsx';
import { SessionSearch, type SearchConstraints } from './SessionSearch.tsx';

/** What is about to be booked: a session, and a time slot of it (none: the earliest with room). */
export interface Target {
  sessionId: number;
  slotId?: number;
  date: string;
  startsAt: string;
  endsAt: string;
  centre: Named;
  address: string;
  vaccine: string;
}

export type Done = 'booked' | 'rescheduled';

function targetOf(s: AvailableSession, slot: AvailableSlot): Target {
  return {
    sessionId: s.sessionId,
    slotId: slot.slotId,
    date: s.date,
    startsAt: slot.startsAt,
    endsAt: slot.endsAt,
    centre: s.facility,
    address: s.facility.address,
    vaccine: s.product.name,
  };
}

/** A new key for each booking attempt: a double tap or a resend books once. */
function attemptKey(): string {
  if (typeof crypto !== 'undefined' && 'randomUUID' in crypto) return crypto.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`;
}

/**
 * Search, choose a slot, confirm: then `send` books (or moves) the appointment and the slip opens.
 * When the slot was taken meanwhile, the other times of the session and the nearby sessions the
 * server offers are shown to choose from.
 */
export function BookingFlow({
  constraints,
  done,
  send,
}: {
  constraints: SearchConstraints;
  done: Done;
  send: (target: Target, idempotencyKey: string) => Promise<Appointment>;
}) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [chosen, setChosen] = useState<{ target: Target; key: string; session?: AvailableSession } | null>(
    null,
  );
  const mutation = useMutation({
    mutationFn: (c: { target: Target; key: string }) => send(c.target, c.key),
    onSuccess: async (a) => {
      queryClient.setQueryData(citizenKeys.appointment(a.personId, a.id), a);
      await queryClient.invalidateQueries({ queryKey: citizenKeys.appointments });
      void navigate(slipPath(a), { state: { done } });
    },
    onError: (error) => {
      // Seats moved: what the search shows is out of date.
      if (error instanceof ApiError && error.status === 409)
        void queryClient.invalidateQueries({ queryKey: ['public', 'availability'] });
    },
  });

  const choose = (target: Target, session?: AvailableSession) => {
    mutation.reset();
    setChosen({ target, key: attemptKey(), session });
  };

  return (
    <>
      {chosen && (
        <ConfirmPanel
          person={constraints.person}
          doseNumber={constraints.doseNumber}
          target={chosen.target}
          done={done}
          pending={mutation.isPending}
          error={mutation.error}
          session={chosen.session}
          onConfirm={() => mutation.mutate({ target: chosen.target, key: chosen.key })}
          onBack={() => {
            mutation.reset();
            setChosen(null);
          }}
          onChoose={choose}
        />
      )}
      <div hidden={chosen !== null}>
        <SessionSearch constraints={constraints} onChoose={(s, slot) => choose(targetOf(s, slot), s)} />
      </div>
    </>
  );
}

interface OtherSlot {
  slotId: number;
  startsAt: string;
  available: number;
}

interface Alternative {
  sessionId: number;
  date: string;
  startsAt?: string;
  endsAt?: string;
  centre?: Named;
  address?: string;
  vaccine?: string;
  available?: number;
  distanceKm?: number;
}

const isRecord = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object';
const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

/** The other time slots of a full slot's session, from a 409's details. */
function otherSlotsOf(error: unknown): OtherSlot[] {
  if (!(error instanceof ApiError)) return [];
  const list = detailsOf(error).otherSlots;
  if (!Array.isArray(list)) return [];
  return list.flatMap((x: unknown) =>
    isRecord(x) && typeof x.slotId === 'number' && typeof x.startsAt === 'string'
      ? [
          {
            slotId: x.slotId,
            startsAt: x.startsAt,
            available: typeof x.available === 'number' ? x.available : 0,
          },
        ]
      : [],
  );
}

/** Nearby sessions with room, from a 409's details; read leniently (only the id and date are needed). */
function alternativesOf(error: unknown): Alternative[] {
  if (!(error instanceof ApiError)) return [];
  const list = detailsOf(error).alternatives;
  if (!Array.isArray(list)) return [];
  return list.flatMap((x: unknown): Alternative[] => {
    if (!isRecord(x)) return [];
    const sessionId = typeof x.sessionId === 'number' ? x.sessionId : typeof x.id === 'number' ? x.id : null;
    const date = str(x.date);
    if (sessionId === null || !date) return [];
    const facility = isRecord(x.facility) ? x.facility : {};
    const nameEn = str(facility.nameEn);
    const product = isRecord(x.product) ? x.product : {};
    return [
      {
        sessionId,
        date,
        startsAt: str(x.startsAt),
        endsAt: str(x.endsAt),
        centre: nameEn ? { nameEn, nameBn: str(facility.nameBn) ?? '' } : undefined,
        address: str(facility.address),
        vaccine: str(product.name),
        available: typeof x.available === 'number' ? x.available : undefined,
        distanceKm: typeof facility.distanceKm === 'number' ? facility.distanceKm : undefined,
      },
    ];
  });
}

const FULL = new Set(['session_full', 'slot_full']);

function ConfirmPanel({
  person,
  doseNumber,
  target,
  done,
  pending,
  error,
  session,
  onConfirm,
  onBack,
  onChoose,
}: {
  person: Person;
  doseNumber: number;
  target: Target;
  done: Done;
  pending: boolean;
  error: unknown;
  session?: AvailableSession;
  onConfirm: () => void;
  onBack: () => void;
  onChoose: (target: Target, session?: AvailableSession) => void;
}) {
  const { t } = useTranslation();
  const f = useScheduleFormat();
  const bookingMessage = useBookingMessage();
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    heading.current?.focus();
  }, [target]);
  const full = error instanceof ApiError && FULL.has(error.code);
  const otherSlots = full ? otherSlotsOf(error) : [];
  const alternatives = full ? alternativesOf(error) : [];
  const name = f.name({ nameEn: person.nameEn, nameBn: person.nameBn ?? '' });

  return (
    <section className="card confirm-panel" aria-labelledby="confirm-heading" data-testid="confirm-booking">
      <h2 id="confirm-heading" ref={heading} tabIndex={-1}>
        {done === 'booked' ? t('booking.confirm.title') : t('booking.confirm.titleReschedule')}
      </h2>
      <dl className="facts slip-facts">
        <div>
          <dt>{t('booking.slip.person')}</dt>
          <dd>{name}</dd>
        </div>
        <div>
          <dt>{t('booking.slip.dose')}</dt>
          <dd>
            {t('booking.doseN', { dose: f.number(doseNumber) })} · {target.vaccine}
          </dd>
        </div>
        <div>
          <dt>{t('booking.slip.centre')}</dt>
          <dd>
            {f.name(target.centre)}
            <br />
            <span className="muted">{target.address}</span>
          </dd>
        </div>
        <div>
          <dt>{t('booking.slip.when')}</dt>
          <dd>
            {f.longDate(target.date)}
            <br />
            {target.slotId !== undefined
              ? f.hours(target.startsAt, target.endsAt)
              : target.startsAt
                ? t('booking.confirm.earliestSlot', { hours: f.hours(target.startsAt, target.endsAt) })
                : t('booking.confirm.earliestSlotPlain')}
          </dd>
        </div>
      </dl>
      <ErrorAlert error={error} localMessage={bookingMessage} />
      {full && (otherSlots.length > 0 || alternatives.length > 0) && (
        <div className="alternatives" data-testid="alternatives">
          {otherSlots.length > 0 && session && (
            <>
              <h3>{t('booking.confirm.otherSlots')}</h3>
              <ul className="slot-list" role="list">
                {otherSlots.map((o) => {
                  const slot = session.slots.find((s) => s.slotId === o.slotId);
                  const endsAt = slot?.endsAt ?? o.startsAt;
                  return (
                    <li key={o.slotId}>
                      <button
                        type="button"
                        className="slot-button"
                        onClick={() =>
                          onChoose(
                            targetOf(session, {
                              slotId: o.slotId,
                              startsAt: o.startsAt,
                              endsAt,
                              capacity: 0,
                              available: o.available,
                            }),
                            session,
                          )
                        }
                      >
                        <span className="slot-hours">
                          {slot ? f.hours(o.startsAt, endsAt) : f.time(o.startsAt)}
                        </span>
                        <span className="slot-seats">
                          {t('booking.search.seatsLeft', { count: o.available, n: f.number(o.available) })}
                        </span>
                      </button>
                    </li>
                  );
                })}
              </ul>
            </>
          )}
          {alternatives.length > 0 && (
            <>
              <h3>{t('booking.confirm.alternatives')}</h3>
              <ul className="alternative-list" role="list">
                {alternatives.map((a) => (
                  <li key={a.sessionId}>
                    <span>
                      <strong>{a.centre ? f.name(a.centre) : t('booking.confirm.session')}</strong>
                      <br />
                      {f.longDate(a.date)}
                      {a.startsAt && a.endsAt && (
                        <>
                          , <span className="nowrap">{f.hours(a.startsAt, a.endsAt)}</span>
                        </>
                      )}
                      {(a.distanceKm !== undefined || a.available !== undefined) && (
                        <span className="alternative-more">
                          {[
                            a.distanceKm !== undefined
                              ? t('booking.search.away', { km: f.km(a.distanceKm) })
                              : '',
                            a.available !== undefined
                              ? t('booking.search.seatsLeft', {
                                  count: a.available,
                                  n: f.number(a.available),
                                })
                              : '',
                          ]
                            .filter(Boolean)
                            .join(' · ')}
                        </span>
                      )}
                    </span>
                    <button
                      type="button"
                      className="button secondary small"
                      onClick={() =>
                        onChoose({
                          sessionId: a.sessionId,
                          date: a.date,
                          startsAt: a.startsAt ?? '',
                          endsAt: a.endsAt ?? '',
                          centre: a.centre ?? target.centre,
                          address: a.address ?? '',
                          vaccine: a.vaccine ?? target.vaccine,
                        })
                      }
                    >
                      {t('booking.confirm.chooseThis')}
                    </button>
                  </li>
                ))}
              </ul>
            </>
          )}
        </div>
      )}
      <div className="actions">
        {!full && (
          <button
            type="button"
            className="button"
            disabled={pending}
            onClick={onConfirm}
            data-testid="confirm-book"
          >
            {pending
              ? t('booking.confirm.sending')
              : done === 'booked'
                ? t('booking.confirm.book')
                : t('booking.confirm.move')}
          </button>
        )}
        <button type="button" className="button secondary" onClick={onBack} data-testid="choose-another">
          {t('booking.confirm.back')}
        </button>
      </div>
    </section>
  );
}
