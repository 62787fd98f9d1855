import { UuidString } from '@demo/service-kit';
import Type, { type Static } from 'typebox';

/** The one definition of the API's shapes: validation, handler types and the OpenAPI document. */

const CustomerId = UuidString('customer id (UUID); a malformed id is answered 400 validation_failed');

/** 1..200 characters, not only white space. */
const Text = (description: string) => Type.String({ minLength: 1, maxLength: 200, pattern: '\\S', description });

const Email = Type.String({
  format: 'email',
  minLength: 3,
  maxLength: 200,
  description: 'unique among live customers, case-insensitive (409 email_taken otherwise)',
});

export const CreateCustomerBody = Type.Object(
  { name: Text('full name'), email: Email, address: Text('postal address; "unknown" makes orders fail') },
  { additionalProperties: false },
);

export const UpdateAddressBody = Type.Object({ address: Text('the new postal address') }, { additionalProperties: false });

export const CustomerParams = Type.Object({ id: CustomerId });

export const ListCustomersQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 50, description: 'page size (1..500)' }),
    after: Type.Optional(Type.String({ ...CustomerId, description: 'cursor: the `next` of the previous page' })),
  },
  { additionalProperties: false },
);

export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 200,
      description:
        'a retry with the same key and body returns the original response; another body gets 422. Keys are per client ' +
        '(anonymous, or the bearer token sent) and expire after IDEMPOTENCY_KEY_TTL_HOURS (24 by default)',
    }),
  ),
});

export const Customer = Type.Object(
  {
    customer_id: Type.String({ format: 'uuid' }),
    name: Type.String(),
    email: Type.String(),
    address: Type.String(),
    version: Type.Integer({ minimum: 1, description: 'the customer’s change counter: 1 on create, +1 per change' }),
    created_at: Type.String({ format: 'date-time' }),
    updated_at: Type.String({ format: 'date-time' }),
  },
  { description: 'a customer' },
);
export type Customer = Static<typeof Customer>;

export const CustomerPage = Type.Object({
  items: Type.Array(Customer),
  next: Type.Union([Type.String({ format: 'uuid' }), Type.Null()], { description: 'cursor of the next page, null at the end' }),
});

export const errorResponse = (description: string) => Type.Ref('ErrorBody', { description });
