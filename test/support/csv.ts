export const CUSTOMER_HEADER =
  'company_name,description,vat_number,address,city,main_contact,email,phone,language,notes';

/** A customers CSV of `n` valid rows with unique VAT numbers (plus optional extra lines). */
export function customersCsv(n: number, prefix = 'VAT'): string {
  const lines = [CUSTOMER_HEADER];
  for (let i = 0; i < n; i++) {
    lines.push(
      `"Company ${i}, S.r.l.",Desc ${i},${prefix}${String(i).padStart(8, '0')},"Via Roma ${i}",Milano,Anna Bianchi,c${i}@example.com,+39 02 ${String(1000000 + i)},it,`,
    );
  }
  return `${lines.join('\n')}\n`;
}
