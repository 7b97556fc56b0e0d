import { useTranslation } from 'react-i18next';
import type { Grant } from '../api/client.ts';
import { useFormat } from '../ui/format.ts';
import { useArea, useLevelName } from './areaQueries.ts';
import { useFacility } from './facilityQueries.ts';

export function AreaName({ id }: { id: number }) {
  const f = useFormat();
  const levelName = useLevelName();
  const area = useArea(id).data;
  if (!area) return <>#{id}</>;
  const level = levelName(area.depth);
  return (
    <>
      {f.name(area)}
      {level && <span className="muted"> ({level})</span>}
    </>
  );
}

export function FacilityName({ id }: { id: number }) {
  const f = useFormat();
  const facility = useFacility(id).data;
  return <>{facility ? f.name(facility) : `#${id}`}</>;
}

/** "Vaccinator · Savar Health Complex": a role and where it applies. */
export function GrantLabel({ grant }: { grant: Grant }) {
  const { t } = useTranslation();
  return (
    <>
      <strong>{t(`roles.${grant.role}`)}</strong>
      <span className="muted"> · </span>
      {grant.facilityId !== null ? (
        <FacilityName id={grant.facilityId} />
      ) : grant.areaId !== null ? (
        <AreaName id={grant.areaId} />
      ) : (
        t('staff.scope.national')
      )}
    </>
  );
}
