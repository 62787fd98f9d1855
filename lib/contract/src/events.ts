import Type, { type Static } from 'typebox';

/** Version of the event bodies below; consumers park events of any other version. */
export const SCHEMA_VERSION = 1;

export const EVENT_TYPES = ['customer.created', 'customer.address.updated', 'customer.deleted'] as const;
export type CustomerEventType = (typeof EVENT_TYPES)[number];

const CustomerId = Type.String({ format: 'uuid' });
/** The customer's own change counter: 1 on create, +1 on every change. Orders and deduplicates per customer. */
const Version = Type.Integer({ minimum: 1 });
const Timestamp = Type.String({ format: 'date-time' });
/** Non-empty, at most 200 characters, no NUL (PostgreSQL text cannot hold one). */
const Text = Type.String({ minLength: 1, maxLength: 200, pattern: '^[^\\u0000]*$' });

export const CustomerCreatedData = Type.Object({
  customer_id: CustomerId,
  name: Text,
  email: Type.String({ format: 'email', maxLength: 200 }),
  address: Text,
  version: Version,
  timestamp: Timestamp,
});
export const CustomerAddressUpdatedData = Type.Object({
  customer_id: CustomerId,
  address: Text,
  version: Version,
  timestamp: Timestamp,
});
export const CustomerDeletedData = Type.Object({
  customer_id: CustomerId,
  version: Version,
  timestamp: Timestamp,
});

export type CustomerCreatedData = Static<typeof CustomerCreatedData>;
export type CustomerAddressUpdatedData = Static<typeof CustomerAddressUpdatedData>;
export type CustomerDeletedData = Static<typeof CustomerDeletedData>;

/** Travels beside the body, in the message annotations. */
export interface EventMetadata {
  event_id: string;
  correlation_id: string;
  schema_version: number;
}

export type CustomerCreated = { type: 'customer.created'; data: CustomerCreatedData; metadata: EventMetadata };
export type CustomerAddressUpdated = {
  type: 'customer.address.updated';
  data: CustomerAddressUpdatedData;
  metadata: EventMetadata;
};
export type CustomerDeleted = { type: 'customer.deleted'; data: CustomerDeletedData; metadata: EventMetadata };

export type CustomerEvent = CustomerCreated | CustomerAddressUpdated | CustomerDeleted;

export const EVENT_DATA_SCHEMAS = {
  'customer.created': CustomerCreatedData,
  'customer.address.updated': CustomerAddressUpdatedData,
  'customer.deleted': CustomerDeletedData,
} as const;
