/**
 * Vaccination cards come from the API as PDF files behind a token, so a plain link cannot fetch
 * them: the page fetches the file, then hands it to the browser as a download or in a new tab.
 */

/** Saves the PDF under `filename` (the browser's download). */
export function savePdf(blob: Blob, filename: string) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.rel = 'noopener';
  document.body.append(a);
  a.click();
  a.remove();
  // Give the browser time to start reading the file before it is let go.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/**
 * Opens a tab at once, while the click still counts as the person's (pop-up blockers allow that),
 * and returns a function that shows the PDF in it once it has arrived. When the tab could not be
 * opened, the PDF is downloaded instead.
 */
export function openPdfTab(): { show: (blob: Blob, filename: string) => void; cancel: () => void } {
  const tab = window.open('', '_blank');
  return {
    show(blob, filename) {
      if (!tab || tab.closed) {
        savePdf(blob, filename);
        return;
      }
      const url = URL.createObjectURL(blob);
      tab.location.href = url;
      setTimeout(() => URL.revokeObjectURL(url), 5 * 60_000);
    },
    cancel() {
      tab?.close();
    },
  };
}

export const cardFilename = (registrationNumber: string) => `vaccination-card-${registrationNumber}.pdf`;
