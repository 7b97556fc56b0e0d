import { useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, unwrap } from '../api/client.ts';
import type { ReceiptDocument, StoreDetail } from '../api/stock.ts';
import { useSessionState } from '../auth/session.ts';
import { mayDo } from '../console/permissions.ts';
import { programmeToday } from '../scheduling/format.ts';
import { ErrorAlert } from '../ui/ErrorAlert.tsx';
import { FieldRow, NumberField, SelectField, TextAreaField, TextField } from '../ui/fields.tsx';
import { useFormat } from '../ui/format.ts';
import { Notice } from '../ui/Notice.tsx';
import { TableWrap } from '../ui/TableWrap.tsx';
import { dosesOf, stockKeys, useLots, useProducts } from './queries.ts';

const DOCUMENT_TYPES = ['application/pdf', 'image/jpeg', 'image/png'] as const;
const MAX_DOCUMENT_BYTES = 2_000_000;

/** Deliveries from suppliers into the national store, with their documents. */
export function ReceiptsSection({ store }: { store: StoreDetail }) {
  const { t } = useTranslation();
  const f = useFormat();
  const user = useSessionState().session?.user;
  const receipts = useQuery({
    queryKey: stockKeys.receipts(store.facilityId),
    queryFn: () =>
      unwrap(api.GET('/api/stores/{id}/receipts', { params: { path: { id: store.facilityId } } })),
  });
  return (
    <>
      {mayDo(user, 'stock.write') && <ReceiptForm storeId={store.facilityId} />}
      <section aria-labelledby="receipts-heading">
        <h2 id="receipts-heading">{t('stock.receipts.title')}</h2>
        <ErrorAlert error={receipts.error} />
        {receipts.data?.items.length === 0 && <p className="empty">{t('stock.receipts.none')}</p>}
        {receipts.data && receipts.data.items.length > 0 && (
          <TableWrap label={t('stock.receipts.title')}>
            <table data-testid="receipts">
              <thead>
                <tr>
                  <th scope="col">{t('stock.receipts.receivedOn')}</th>
                  <th scope="col">{t('stock.receipts.supplier')}</th>
                  <th scope="col">{t('stock.receipts.reference')}</th>
                  <th scope="col">{t('stock.lines')}</th>
                  <th scope="col">{t('stock.receipts.documents')}</th>
                </tr>
              </thead>
              <tbody>
                {receipts.data.items.map((r) => (
                  <tr key={r.id}>
                    <td className="nowrap">{f.date(r.receivedOn)}</td>
                    <td>{r.supplier}</td>
                    <td>
                      <code>{r.reference}</code>
                    </td>
                    <td>
                      {r.lines.map((l) => (
                        <div key={l.lotId}>
                          {l.productCode} <code>{l.lotNumber}</code> · {f.number(l.doses)}
                        </div>
                      ))}
                    </td>
                    <td>
                      {r.documents.map((d) => (
                        <div key={d.id}>
                          <DocumentLink receiptId={r.id} documentId={d.id} name={d.fileName} />
                        </div>
                      ))}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        )}
      </section>
    </>
  );
}

/** Documents need the bearer token: fetched with it and opened from memory. */
function DocumentLink({
  receiptId,
  documentId,
  name,
}: {
  receiptId: number;
  documentId: number;
  name: string;
}) {
  const open = async () => {
    const { response } = await api.GET('/api/receipts/{id}/documents/{documentId}', {
      params: { path: { id: receiptId, documentId } },
      parseAs: 'blob',
    });
    if (!response.ok) return;
    const url = URL.createObjectURL(await response.blob());
    window.open(url, '_blank', 'noopener');
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  };
  return (
    <button type="button" className="button secondary small" onClick={() => void open()}>
      {name}
    </button>
  );
}

interface LineDraft {
  lotId: string;
  doses: string;
}

function readBase64(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () =>
      resolve(typeof reader.result === 'string' ? reader.result.replace(/^data:[^,]*,/, '') : '');
    reader.onerror = () => reject(reader.error ?? new Error('read failed'));
    reader.readAsDataURL(file);
  });
}

function ReceiptForm({ storeId }: { storeId: number }) {
  const { t } = useTranslation();
  const f = useFormat();
  const queryClient = useQueryClient();
  const [supplier, setSupplier] = useState('');
  const [reference, setReference] = useState('');
  const [receivedOn, setReceivedOn] = useState(programmeToday);
  const [note, setNote] = useState('');
  const [lines, setLines] = useState<LineDraft[]>([{ lotId: '', doses: '' }]);
  const [documents, setDocuments] = useState<ReceiptDocument[]>([]);
  const [problem, setProblem] = useState<string | null>(null);
  const lots = useLots(null);
  const lotOptions = [
    { value: '', label: t('stock.choose') },
    ...(lots.data?.items ?? [])
      .filter((l) => !l.expired)
      .map((l) => ({
        value: String(l.id),
        label: `${l.productCode} · ${l.lotNumber} · ${f.date(l.expiresOn)}`,
      })),
  ];
  const create = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/api/stores/{id}/receipts', {
          params: { path: { id: storeId } },
          body: {
            supplier: supplier.trim(),
            reference: reference.trim(),
            receivedOn,
            ...(note.trim() ? { note: note.trim() } : {}),
            lines: lines.map((l) => ({ lotId: Number(l.lotId), doses: dosesOf(l.doses) ?? 0 })),
            ...(documents.length ? { documents } : {}),
          },
        }),
      ),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: stockKeys.all });
      setSupplier('');
      setReference('');
      setNote('');
      setLines([{ lotId: '', doses: '' }]);
      setDocuments([]);
    },
  });
  const addFiles = async (files: FileList | null) => {
    setProblem(null);
    const added: ReceiptDocument[] = [];
    for (const file of Array.from(files ?? [])) {
      const type = DOCUMENT_TYPES.find((d) => d === file.type);
      if (!type) return setProblem(t('stock.receipts.badType', { name: file.name }));
      if (file.size > MAX_DOCUMENT_BYTES) return setProblem(t('stock.receipts.tooBig', { name: file.name }));
      added.push({ fileName: file.name, contentType: type, contentBase64: await readBase64(file) });
    }
    setDocuments([...documents, ...added].slice(0, 5));
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setProblem(null);
    if (supplier.trim().length < 2 || reference.trim().length < 2)
      return setProblem(t('stock.receipts.needSupplier'));
    if (lines.some((l) => !l.lotId || dosesOf(l.doses) === null))
      return setProblem(t('stock.receipts.needLines'));
    create.mutate();
  };
  return (
    <section className="panel" aria-labelledby="receipt-form-heading">
      <h2 id="receipt-form-heading">{t('stock.receipts.new')}</h2>
      <form className="stack" onSubmit={submit} noValidate>
        <FieldRow>
          <TextField
            label={t('stock.receipts.supplier')}
            value={supplier}
            onChange={setSupplier}
            maxLength={200}
          />
          <TextField
            label={t('stock.receipts.reference')}
            hint={t('stock.receipts.referenceHint')}
            value={reference}
            onChange={setReference}
            maxLength={100}
          />
          <TextField
            label={t('stock.receipts.receivedOn')}
            type="date"
            value={receivedOn}
            onChange={setReceivedOn}
          />
        </FieldRow>
        {lines.map((l, i) => (
          <FieldRow key={i}>
            <SelectField
              label={t('stock.lot')}
              value={l.lotId}
              onChange={(v) => setLines(lines.map((x, j) => (j === i ? { ...x, lotId: v } : x)))}
              options={lotOptions}
            />
            <NumberField
              label={t('stock.doses')}
              value={l.doses}
              min={1}
              step={1}
              onChange={(v) => setLines(lines.map((x, j) => (j === i ? { ...x, doses: v } : x)))}
            />
          </FieldRow>
        ))}
        <div className="actions">
          <button
            type="button"
            className="button secondary small"
            onClick={() => setLines([...lines, { lotId: '', doses: '' }])}
          >
            {t('stock.addLine')}
          </button>
        </div>
        <NewLot />
        <div className="field">
          <label htmlFor="receipt-documents">{t('stock.receipts.documents')}</label>
          <p className="field-hint">{t('stock.receipts.documentsHint')}</p>
          <input
            id="receipt-documents"
            type="file"
            multiple
            accept={DOCUMENT_TYPES.join(',')}
            onChange={(e) => void addFiles(e.target.files)}
          />
          {documents.length > 0 && <p>{documents.map((d) => d.fileName).join(', ')}</p>}
        </div>
        <TextAreaField
          label={t('stock.note')}
          value={note}
          onChange={setNote}
          rows={2}
          maxLength={1000}
          prose
        />
        {problem && (
          <p className="alert" role="alert">
            {problem}
          </p>
        )}
        <ErrorAlert error={create.error} />
        {create.isSuccess && <Notice>{t('stock.receipts.saved')}</Notice>}
        <div className="actions">
          <button type="submit" className="button" disabled={create.isPending}>
            {t('stock.receipts.submit')}
          </button>
        </div>
      </form>
    </section>
  );
}

/** A lot not yet known: product, manufacturer's lot number, expiry, doses per vial. */
function NewLot() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const products = useProducts();
  const [open, setOpen] = useState(false);
  const [productId, setProductId] = useState('');
  const [lotNumber, setLotNumber] = useState('');
  const [manufacturer, setManufacturer] = useState('');
  const [expiresOn, setExpiresOn] = useState('');
  const [dosesPerVial, setDosesPerVial] = useState('10');
  const create = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/api/lots', {
          body: {
            productId: Number(productId),
            lotNumber: lotNumber.trim(),
            manufacturer: manufacturer.trim(),
            expiresOn,
            dosesPerVial: Number(dosesPerVial),
          },
        }),
      ),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ['stock', 'lots'] });
      setOpen(false);
      setLotNumber('');
    },
  });
  if (!open)
    return (
      <div className="actions">
        <button type="button" className="button secondary small" onClick={() => setOpen(true)}>
          {t('stock.lots.new')}
        </button>
      </div>
    );
  return (
    <fieldset className="stack">
      <legend>{t('stock.lots.new')}</legend>
      <FieldRow>
        <SelectField
          label={t('stock.product')}
          value={productId}
          onChange={setProductId}
          options={[
            { value: '', label: t('stock.choose') },
            ...(products.data ?? []).map((p) => ({ value: String(p.id), label: `${p.code} · ${p.name}` })),
          ]}
        />
        <TextField label={t('stock.lots.number')} value={lotNumber} onChange={setLotNumber} maxLength={40} />
        <TextField
          label={t('stock.lots.manufacturer')}
          value={manufacturer}
          onChange={setManufacturer}
          maxLength={200}
        />
        <TextField label={t('stock.expires')} type="date" value={expiresOn} onChange={setExpiresOn} />
        <NumberField
          label={t('stock.dosesPerVial')}
          value={dosesPerVial}
          onChange={setDosesPerVial}
          min={1}
          max={50}
        />
      </FieldRow>
      <ErrorAlert error={create.error} />
      <div className="actions">
        <button
          type="button"
          className="button secondary"
          onClick={() => create.mutate()}
          disabled={create.isPending}
        >
          {t('stock.lots.add')}
        </button>
        <button type="button" className="button secondary" onClick={() => setOpen(false)}>
          {t('common.cancel')}
        </button>
      </div>
    </fieldset>
  );
}
