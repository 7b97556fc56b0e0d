/** '+8801712345678' -> '01712-345678', the way people write a Bangladeshi mobile number; others as they are. */
export function displayPhone(e164: string): string {
  const m = /^\+880(1\d{3})(\d{6})$/.exec(e164);
  return m ? `0${m[1]}-${m[2]}` : e164;
}
