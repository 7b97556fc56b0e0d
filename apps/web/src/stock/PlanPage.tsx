import { useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, unwrap, type ApiError } from '../api/client.ts';
import type { Plan } from '../api/stock.ts';
import { useSessionState } from '../auth/session.ts';
import { mayDo } from '../console/permissions.ts';
import { ErrorAlert } from '../ui/ErrorAlert.tsx';
import { useFormat } from '../ui/format.ts';
import { TextAreaField } from '../ui/fields.tsx';
import { Loading, Notice } from '../ui/Notice.tsx';
import { TableWrap } from '../ui/TableWrap.tsx';
import { usePageTitle } from '../ui/usePageTitle.ts';
import { stockKeys, useCancelPlan } from './queries.ts';
import { Fact } from '../ui/Fact.tsx';

/**
 * An allocation plan: suggested doses per store below, edited, approved by an officer, dispatched.
 * Until it is dispatched, an officer who may approve it may cancel it, saying why.
 */
export function PlanPage() {
  const { t } = useTranslation();
  const id = Number(useParams().id);
  usePageTitle(t('stock.plan.title', { id }));
  const plan = useQuery({
    queryKey: stockKeys.plan(id),
    queryFn: () => unwrap(api.GET('/api/allocation-plans/{id}', { params: { path: { id } } })),
  });
  if (plan.error) return <ErrorAlert error={plan.error} />;
  if (!plan.data) return <Loading />;
  return <PlanView key={`${plan.data.id}-${plan.data.status}`} plan={plan.data} />;
}

function PlanView({ plan }: { plan: Plan }) {
  const { t } = useTranslation();
  const f = useFormat();
  const queryClient = useQueryClient();
  const user = useSessionState().session?.user;
  const [doses, setDoses] = useState(() => plan.lines.map((l) => String(l.doses)));
  const [problem, setProblem] = useState<string | null>(null);
  const draft = plan.status === 'draft';
  const [cancelling, setCancelling] = useState(false);
  const [reason, setReason] = useState('');
  const [reasonProblem, setReasonProblem] = useState<string | undefined>();
  const cancel = useCancelPlan(plan.id);
  const settle = (p: Plan) => {
    queryClient.setQueryData(stockKeys.plan(plan.id), p);
    void queryClient.invalidateQueries({ queryKey: stockKeys.all });
  };
  const save = useMutation({
    mutationFn: () =>
      unwrap(
        api.PUT('/api/allocation-plans/{id}/lines', {
          params: { path: { id: plan.id } },
          body: { lines: plan.lines.map((l, i) => ({ toStoreId: l.toStoreId, doses: Number(doses[i]) })) },
        }),
      ),
    onSuccess: settle,
  });
  const approve = useMutation({
    mutationFn: () =>
      unwrap(api.POST('/api/allocation-plans/{id}/approve', { params: { path: { id: plan.id } } })),
    onSuccess: settle,
  });
  const dispatch = useMutation({
    mutationFn: () =>
      unwrap(api.POST('/api/allocation-plans/{id}/dispatch', { params: { path: { id: plan.id } } })),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: stockKeys.all }),
  });
  const total = doses.reduce((n, d) => n + (Number(d) || 0), 0);
  const changed = plan.lines.some((l, i) => String(l.doses) !== doses[i]);
  const saveLines = () => {
    setProblem(null);
    if (doses.some((d) => !/^\d+$/.test(d.trim()))) return setProblem(t('stock.plan.wholeOrZero'));
    save.mutate();
  };
  const cancellable =
    mayDo(user, 'stock.approve') &&
    (draft || (plan.status === 'approved' && !plan.dispatched && !dispatch.data));
  const confirmCancel = (e: FormEvent) => {
    e.preventDefault();
    if (!reason.trim()) return setReasonProblem(t('stock.plan.cancelReasonNeeded'));
    setReasonProblem(undefined);
    cancel.mutate(reason.trim());
  };
  const cancelRefused = (error: ApiError) =>
    error.code === 'plan_cancelled' || error.code === 'plan_already_dispatched'
      ? t(`stock.plan.cancelRefused.${error.code}`)
      : undefined;
  const refusedAsCancelled = (error: ApiError) =>
    error.code === 'plan_cancelled' ? t('stock.plan.cancelledNote') : undefined;
  return (
    <>
      <p className="back-link">
        <Link to={`/console/stock/${plan.fromStoreId}?view=allocation`}>{t('stock.plan.back')}</Link>
      </p>
      <h1>{t('stock.plan.title', { id: plan.id })}</h1>
      <dl className="facts">
        <Fact label={t('stock.product')}>{plan.productCode}</Fact>
        <Fact label={t('stock.plan.total')}>{f.number(plan.totalDoses)}</Fact>
        <Fact label={t('stock.status')} testId="plan-status">
          {t(`stock.plan.status.${plan.status}`, { defaultValue: plan.status })}
          {plan.dispatched && ` · ${t('stock.plan.dispatched')}`}
        </Fact>
      </dl>
      <TableWrap label={t('stock.lines')}>
        <table data-testid="plan-lines">
          <thead>
            <tr>
              <th scope="col">{t('stock.store')}</th>
              <th scope="col" className="num">
                {t('stock.plan.population')}
              </th>
              <th scope="col" className="num">
                {t('stock.plan.vaccinated')}
              </th>
              <th scope="col" className="num">
                {t('stock.plan.suggested')}
              </th>
              <th scope="col">{t('stock.doses')}</th>
            </tr>
          </thead>
          <tbody>
            {plan.lines.map((l, i) => (
              <tr key={l.toStoreId}>
                <th scope="row">{l.storeName}</th>
                <td className="num">{f.number(l.population)}</td>
                <td className="num">{f.number(l.vaccinated)}</td>
                <td className="num">{f.number(l.suggestedDoses)}</td>
                <td>
                  {draft ? (
                    <input
                      type="number"
                      min={0}
                      step={1}
                      className="input-doses"
                      aria-label={t('stock.plan.dosesFor', { store: l.storeName })}
                      value={doses[i]}
                      onChange={(e) => setDoses(doses.map((d, j) => (j === i ? e.target.value : d)))}
                    />
                  ) : (
                    f.number(l.doses)
                  )}
                </td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row" colSpan={4}>
                {t('stock.plan.sum')}
              </th>
              <td className="num">{f.number(total)}</td>
            </tr>
          </tfoot>
        </table>
      </TableWrap>
      {problem && (
        <p className="alert" role="alert">
          {problem}
        </p>
      )}
      {plan.status === 'cancelled' && <Notice tone="info">{t('stock.plan.cancelledNote')}</Notice>}
      <ErrorAlert error={save.error ?? approve.error ?? dispatch.error} localMessage={refusedAsCancelled} />
      {dispatch.data && (
        <p className="notice notice-success" role="status">
          {t('stock.plan.transfersMade')}{' '}
          {dispatch.data.transfers.map((tr) => (
            <Link key={tr.id} to={`/console/stock/transfers/${tr.id}`} className="nowrap">
              {t('stock.transferN', { id: tr.id })}{' '}
            </Link>
          ))}
        </p>
      )}
      <ErrorAlert error={cancel.error} localMessage={cancelRefused} />
      {cancelling && cancellable ? (
        <form
          className="confirm-box stack"
          onSubmit={confirmCancel}
          noValidate
          data-testid="cancel-plan-form"
        >
          <p>{t('stock.plan.cancelIntro')}</p>
          <TextAreaField
            label={t('stock.plan.cancelReason')}
            hint={t('stock.plan.cancelReasonHint')}
            value={reason}
            onChange={setReason}
            rows={3}
            maxLength={500}
            error={reasonProblem}
            required
            prose
          />
          <div className="actions">
            <button type="submit" className="button danger" disabled={cancel.isPending}>
              {t('stock.plan.confirmCancel')}
            </button>
            <button
              type="button"
              className="button secondary"
              onClick={() => {
                cancel.reset();
                setReasonProblem(undefined);
                setCancelling(false);
              }}
            >
              {t('stock.plan.keep')}
            </button>
          </div>
        </form>
      ) : (
        <div className="actions">
          {draft && (
            <button
              type="button"
              className="button secondary"
              onClick={saveLines}
              disabled={!changed || save.isPending}
            >
              {t('stock.plan.save')}
            </button>
          )}
          {draft && mayDo(user, 'stock.approve') && (
            <button
              type="button"
              className="button"
              onClick={() => approve.mutate()}
              disabled={changed || approve.isPending}
            >
              {t('stock.plan.approve')}
            </button>
          )}
          {plan.status === 'approved' && !plan.dispatched && !dispatch.data && (
            <button
              type="button"
              className="button"
              onClick={() => dispatch.mutate()}
              disabled={dispatch.isPending}
            >
              {t('stock.plan.dispatch')}
            </button>
          )}
          {cancellable && (
            <button
              type="button"
              className="button danger"
              onClick={() => setCancelling(true)}
              disabled={approve.isPending || dispatch.isPending}
              data-testid="cancel-plan"
            >
              {t('stock.plan.cancel')}
            </button>
          )}
        </div>
      )}
    </>
  );
}
