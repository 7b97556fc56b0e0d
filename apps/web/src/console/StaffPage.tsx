import { useState } from 'react';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, unwrap, type Grant, type StaffUser } from '../api/client.ts';
import { ErrorAlert } from '../ui/ErrorAlert.tsx';
import { useFormat } from '../ui/format.ts';
import { Loading, Notice } from '../ui/Notice.tsx';
import { Pager } from '../ui/Pager.tsx';
import { TableWrap } from '../ui/TableWrap.tsx';
import { usePageTitle } from '../ui/usePageTitle.ts';
import { GrantLabel } from './ScopeNames.tsx';
import { AddGrantForm, AddUserForm, staffKeys } from './StaffForms.tsx';

const PAGE_SIZE = 100;

type PanelState = { kind: 'none' } | { kind: 'add' } | { kind: 'grant'; user: StaffUser };

export function StaffPage() {
  const { t } = useTranslation();
  const f = useFormat();
  usePageTitle(t('console.sections.staff'));
  const queryClient = useQueryClient();
  const [offset, setOffset] = useState(0);
  const [panel, setPanel] = useState<PanelState>({ kind: 'none' });
  const [notice, setNotice] = useState<string | null>(null);
  const [confirming, setConfirming] = useState<number | null>(null);

  const users = useQuery({
    queryKey: staffKeys.page(offset),
    queryFn: () => unwrap(api.GET('/api/users', { params: { query: { limit: PAGE_SIZE, offset } } })),
    placeholderData: keepPreviousData,
  });
  const rows = users.data ?? [];

  const revoke = useMutation({
    mutationFn: ({ user, grant }: { user: StaffUser; grant: Grant }) =>
      unwrap(
        api.DELETE('/api/users/{id}/grants/{grantId}', {
          params: { path: { id: user.id, grantId: grant.id } },
        }),
      ),
    onSuccess: async (_r, { user, grant }) => {
      setConfirming(null);
      await queryClient.invalidateQueries({ queryKey: staffKeys.all });
      setNotice(
        t('staff.revoked', { role: t(`roles.${grant.role}`), name: user.displayName || user.username }),
      );
    },
  });

  const openPanel = (next: PanelState) => {
    setNotice(null);
    revoke.reset();
    setPanel(next);
  };
  const closeWith = (message: string) => {
    setPanel({ kind: 'none' });
    setNotice(message);
  };
  const heading = t('staff.listTitle');

  return (
    <>
      <h1>{t('console.sections.staff')}</h1>
      <div className="toolbar">
        <div className="toolbar-actions">
          <button
            type="button"
            className="button"
            aria-expanded={panel.kind === 'add'}
            onClick={() => openPanel(panel.kind === 'add' ? { kind: 'none' } : { kind: 'add' })}
          >
            {t('staff.addTitle')}
          </button>
        </div>
      </div>
      {notice && <Notice>{notice}</Notice>}
      <ErrorAlert error={revoke.error} />
      {panel.kind === 'add' && (
        <AddUserForm
          onCancel={() => setPanel({ kind: 'none' })}
          onDone={(username) => closeWith(t('staff.added', { name: username }))}
        />
      )}
      {panel.kind === 'grant' && (
        <AddGrantForm
          key={panel.user.id}
          user={panel.user}
          onCancel={() => setPanel({ kind: 'none' })}
          onDone={() =>
            closeWith(t('staff.grantAdded', { name: panel.user.displayName || panel.user.username }))
          }
        />
      )}
      <section aria-labelledby="staff-list-heading">
        <h2 id="staff-list-heading" className="visually-hidden">
          {heading}
        </h2>
        <ErrorAlert error={users.error} />
        {users.isPending && <Loading />}
        {users.data && rows.length === 0 && <p className="empty">{t('staff.empty')}</p>}
        {rows.length > 0 && (
          <TableWrap label={heading}>
            <table data-testid="staff-table">
              <thead>
                <tr>
                  <th scope="col">{t('staff.displayName')}</th>
                  <th scope="col">{t('staff.username')}</th>
                  <th scope="col">{t('staff.status')}</th>
                  <th scope="col">{t('staff.roles')}</th>
                  <th scope="col">
                    <span className="visually-hidden">{t('common.actions')}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {rows.map((user) => (
                  <tr key={user.id} className={user.active ? undefined : 'inactive'}>
                    <th scope="row">{user.displayName}</th>
                    <td>
                      <code>{user.username}</code>
                    </td>
                    <td>
                      <span className={`badge ${user.active ? 'badge-ok' : 'badge-muted'}`}>
                        {user.active ? t('common.active') : t('common.inactive')}
                      </span>
                      {user.locked && <span className="badge badge-warn">{t('staff.locked')}</span>}
                    </td>
                    <td>
                      {user.grants.length === 0 ? (
                        <span className="muted">{t('staff.noRoles')}</span>
                      ) : (
                        <ul className="grant-list" role="list">
                          {user.grants.map((grant) => (
                            <li key={grant.id}>
                              <span className="grant-label">
                                <GrantLabel grant={grant} />
                              </span>
                              {confirming === grant.id ? (
                                <span className="confirm">
                                  <button
                                    type="button"
                                    className="button danger small"
                                    disabled={revoke.isPending}
                                    onClick={() => revoke.mutate({ user, grant })}
                                  >
                                    {t('staff.confirmRevoke')}
                                  </button>
                                  <button
                                    type="button"
                                    className="button secondary small"
                                    onClick={() => setConfirming(null)}
                                  >
                                    {t('staff.keep')}
                                  </button>
                                </span>
                              ) : (
                                <button
                                  type="button"
                                  className="button secondary small"
                                  aria-label={t('staff.revokeNamed', {
                                    role: t(`roles.${grant.role}`),
                                    name: user.displayName || user.username,
                                  })}
                                  onClick={() => {
                                    revoke.reset();
                                    setConfirming(grant.id);
                                  }}
                                >
                                  {t('staff.revoke')}
                                </button>
                              )}
                            </li>
                          ))}
                        </ul>
                      )}
                    </td>
                    <td className="row-actions">
                      <button
                        type="button"
                        className="button secondary small"
                        aria-label={t('staff.addGrantNamed', { name: user.displayName || user.username })}
                        onClick={() => openPanel({ kind: 'grant', user })}
                      >
                        {t('staff.addGrant')}
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        )}
        {(offset > 0 || rows.length === PAGE_SIZE) && (
          <Pager
            summary={
              rows.length
                ? t('common.rowsShown', { from: f.number(offset + 1), to: f.number(offset + rows.length) })
                : undefined
            }
            hasPrevious={offset > 0}
            hasNext={rows.length === PAGE_SIZE}
            onPrevious={() => setOffset(Math.max(0, offset - PAGE_SIZE))}
            onNext={() => setOffset(offset + PAGE_SIZE)}
          />
        )}
      </section>
    </>
  );
}
