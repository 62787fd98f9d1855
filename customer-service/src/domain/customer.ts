/** A customer as the API shows it. */
export interface CustomerView {
  customer_id: string;
  name: string;
  email: string;
  address: string;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface CustomerRecord {
  id: string;
  name: string;
  email: string;
  address: string;
  version: number;
  created_at: Date;
  updated_at: Date;
}

export function toView(row: CustomerRecord): CustomerView {
  return {
    customer_id: row.id,
    name: row.name,
    email: row.email,
    address: row.address,
    version: row.version,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

/**
 * The email as stored: the domain part is case-insensitive, so it is lower-cased; the local part
 * is kept as given (uniqueness is case-insensitive as a whole anyway, see the unique index).
 */
export function normaliseEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 0) return email;
  return `${email.slice(0, at)}@${email.slice(at + 1).toLowerCase()}`;
}
