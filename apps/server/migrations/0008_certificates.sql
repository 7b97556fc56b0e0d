-- Vaccination certificates: signed by the programme, verified anywhere against the published trust
-- list and revocation list.
--
-- A certificate is a fact: once issued its row never changes. A certificate that stops being true
-- (its dose was entered in error, the person's name was corrected) is revoked by a row of
-- `certificate_revocation`, and a new version is issued where there is something true to say.

-- The keys certificates are signed with. Public halves are kept for ever, so a certificate signed
-- by a retired key keeps verifying: the trust list publishes every key that is not withdrawn.
-- Private halves are kept here only in demo and development mode, encrypted with the data key;
-- a production deployment reads them from a file and this table holds their public halves only.
create table certificate_signing_key (
  -- The key id as verifiers see it: the EU DCC kid (base64 of 8 bytes of the DSC's hash) for a
  -- document signer, the JWK thumbprint for a SMART Health Card key, the CA's own for a CSCA.
  kid text primary key,
  kind text not null check (kind in ('csca', 'dsc', 'shc')),
  -- X.509, DER (a CSCA and a document signer).
  certificate bytea,
  public_jwk jsonb not null,
  -- The private JWK, encrypted (AES-256-GCM with the data key); null for keys held in a file.
  private_key_enc text,
  source text not null check (source in ('generated', 'file')),
  created_at timestamptz not null default now(),
  -- No longer used to sign; still in the trust list.
  retired_at timestamptz,
  check ((kind = 'shc') = (certificate is null))
);
-- One key of each kind signs new certificates.
create unique index certificate_signing_key_current_idx on certificate_signing_key (kind) where retired_at is null;

create table certificate (
  id bigint generated always as identity,
  person_id bigint not null references person (id),
  -- The dose the certificate attests (its vaccination event).
  dose_id bigint not null,
  -- Health certificate identifier (HCID), also the EU DCC unique certificate identifier (UVCI).
  hcid text not null,
  -- Counts the person's certificates: a corrected one has a higher version than what it replaces.
  version integer not null check (version >= 1),
  status text not null check (status in ('provisional', 'complete', 'booster')),
  dose_number integer not null,
  -- Hash of what the certificate says about the person and the dose: a certificate whose facts
  -- changed is replaced, one whose facts are the same is not issued twice.
  content_hash text not null,
  -- The WHO DDCC:VS record every format was made from, without the identity document number.
  record jsonb not null,
  -- The identity document (type and number) for the FHIR document, encrypted with the data key.
  identifier_enc text,
  issued_at timestamptz not null,
  expires_at timestamptz not null,
  -- The signed QR texts, as issued: signatures are randomised, so they are kept, not re-made.
  eu_dcc text not null,
  shc_jws text not null,
  native text not null,
  dsc_kid text not null references certificate_signing_key (kid),
  shc_kid text not null references certificate_signing_key (kid),
  shc_iss text not null,
  -- SMART Health Card revocation id (keyed hash of the HCID: it names no person).
  shc_rid text not null,
  -- Why it was issued: a dose, a correction of the person, a dose correction, a re-issue by staff.
  reason text not null check (reason in ('dose', 'person_corrected', 'dose_corrected', 'reissued')),
  issued_by bigint references staff_user (id),
  -- The certificate this one replaces (same person).
  replaces_id bigint,
  primary key (person_id, id),
  unique (person_id, version),
  unique (person_id, hcid),
  foreign key (person_id, dose_id) references dose (person_id, id)
);
create index certificate_hcid_idx on certificate (hcid);
create index certificate_dose_idx on certificate (person_id, dose_id);

create table certificate_revocation (
  person_id bigint not null,
  certificate_id bigint not null,
  -- replaced: what it says changed (the doses it lists) and a new version took its place.
  reason text not null check (reason in ('dose_voided', 'person_corrected', 'replaced', 'reissued', 'revoked_by_staff')),
  note text,
  revoked_by bigint references staff_user (id),
  revoked_at timestamptz not null default now(),
  -- What the revocation lists publish: the EU DCC style UCI hash (base64 of the first 16 bytes of
  -- SHA-256 of the HCID; it also revokes the native certificate) and the SMART Health Card rid.
  uci_hash text not null,
  dsc_kid text not null,
  shc_iss text not null,
  shc_kid text not null,
  shc_rid text not null,
  primary key (person_id, certificate_id),
  foreign key (person_id, certificate_id) references certificate (person_id, id)
);
create index certificate_revocation_time_idx on certificate_revocation (revoked_at);
