import { useState, type FormEvent } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, unwrap, type GrantCreate, type StaffUser, type UserCreate } from '../api/client.ts';
import { ErrorAlert } from '../ui/ErrorAlert.tsx';
import { FieldRow, TextField } from '../ui/fields.tsx';
import { FormPanel } from '../ui/FormPanel.tsx';
import { emptyGrant, GrantFields, grantBody, type GrantValues } from './GrantFields.tsx';

export const staffKeys = { all: ['users'] as const, page: (offset: number) => ['users', offset] as const };

const PASSWORD_MIN = 10;
const USERNAME_PATTERN = /^[a-z0-9][a-z0-9._-]{2,63}$/;

export function AddUserForm({
  onDone,
  onCancel,
}: {
  onDone: (username: string) => void;
  onCancel: () => void;
}) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [username, setUsername] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [password, setPassword] = useState('');
  const [grant, setGrant] = useState<GrantValues>(emptyGrant);
  const [problems, setProblems] = useState<{
    username?: string;
    password?: string;
    scope?: 'areaId' | 'facilityId';
  }>({});

  const create = useMutation({
    mutationFn: (body: UserCreate) => unwrap(api.POST('/api/users', { body })),
    onSuccess: async (_created, body) => {
      await queryClient.invalidateQueries({ queryKey: staffKeys.all });
      onDone(body.username);
    },
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const name = username.trim();
    const found: typeof problems = {};
    if (!USERNAME_PATTERN.test(name)) found.username = t('staff.usernameRule');
    if (password.length < PASSWORD_MIN) found.password = t('staff.passwordRule', { min: PASSWORD_MIN });
    const g = grantBody(grant);
    if ('problem' in g) found.scope = g.problem;
    setProblems(found);
    if (found.username || found.password || !('body' in g)) return;
    create.mutate({ username: name, displayName: displayName.trim(), password, ...g.body });
  };

  return (
    <FormPanel
      title={t('staff.addTitle')}
      onSubmit={submit}
      onCancel={onCancel}
      submitLabel={t('staff.add')}
      pending={create.isPending}
    >
      <FieldRow>
        <TextField
          label={t('staff.username')}
          hint={t('staff.usernameRule')}
          value={username}
          onChange={(v) => setUsername(v.toLowerCase())}
          required
          autoComplete="off"
          maxLength={64}
          error={problems.username}
        />
        <TextField
          label={t('staff.displayName')}
          value={displayName}
          onChange={setDisplayName}
          required
          maxLength={120}
        />
        <TextField
          label={t('staff.password')}
          hint={t('staff.passwordRule', { min: PASSWORD_MIN })}
          type="password"
          value={password}
          onChange={setPassword}
          required
          autoComplete="new-password"
          maxLength={200}
          error={problems.password}
        />
      </FieldRow>
      <GrantFields value={grant} onChange={setGrant} problem={problems.scope} />
      <ErrorAlert error={create.error} />
    </FormPanel>
  );
}

export function AddGrantForm({
  user,
  onDone,
  onCancel,
}: {
  user: StaffUser;
  onDone: () => void;
  onCancel: () => void;
}) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [grant, setGrant] = useState<GrantValues>(emptyGrant);
  const [problem, setProblem] = useState<'areaId' | 'facilityId'>();

  const add = useMutation({
    mutationFn: (body: GrantCreate) =>
      unwrap(api.POST('/api/users/{id}/grants', { params: { path: { id: user.id } }, body })),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: staffKeys.all });
      onDone();
    },
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const g = grantBody(grant);
    if ('problem' in g) {
      setProblem(g.problem);
      return;
    }
    setProblem(undefined);
    add.mutate(g.body);
  };

  return (
    <FormPanel
      title={t('staff.addGrantTitle', { name: user.displayName || user.username })}
      onSubmit={submit}
      onCancel={onCancel}
      submitLabel={t('staff.addGrant')}
      pending={add.isPending}
    >
      <GrantFields value={grant} onChange={setGrant} problem={problem} />
      <ErrorAlert error={add.error} />
    </FormPanel>
  );
}
