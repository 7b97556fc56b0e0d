import { useId, useState, type FormEvent } from 'react';
import { useMutation } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import type { ImportReport } from '../api/client.ts';
import { ErrorAlert } from './ErrorAlert.tsx';
import { TextAreaField } from './fields.tsx';
import { ImportReportView } from './ImportReportView.tsx';

/** Bulk import: choose a CSV file or paste its text, send it, and read the report. */
export function CsvImport({
  columns,
  onImport,
  onImported,
}: {
  /** The expected header row, shown as a hint. */
  columns: string;
  onImport: (csv: string) => Promise<ImportReport>;
  onImported?: (report: ImportReport) => void;
}) {
  const { t } = useTranslation();
  const fileId = useId();
  const [text, setText] = useState('');
  const [fileError, setFileError] = useState<string | null>(null);
  const mutation = useMutation({ mutationFn: onImport, onSuccess: onImported });

  const readFile = async (file: File | undefined) => {
    setFileError(null);
    if (!file) return;
    try {
      setText(await file.text());
    } catch {
      setFileError(t('import.fileUnreadable'));
    }
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (text.trim()) mutation.mutate(text);
  };

  return (
    <div className="csv-import">
      <form onSubmit={submit} className="stack">
        <p className="field-hint">{t('import.columns', { columns })}</p>
        <div className="field">
          <label htmlFor={fileId}>{t('import.file')}</label>
          <input
            id={fileId}
            type="file"
            accept=".csv,text/csv,text/plain"
            onChange={(e) => void readFile(e.target.files?.[0])}
          />
          {fileError && <p className="field-error">{fileError}</p>}
        </div>
        <TextAreaField
          label={t('import.text')}
          hint={t('import.textHint')}
          value={text}
          onChange={setText}
          rows={8}
        />
        <div className="actions">
          <button type="submit" className="button" disabled={mutation.isPending || !text.trim()}>
            {mutation.isPending ? t('import.importing') : t('import.submit')}
          </button>
        </div>
      </form>
      <ErrorAlert error={mutation.error} />
      {mutation.data && <ImportReportView report={mutation.data} />}
    </div>
  );
}
