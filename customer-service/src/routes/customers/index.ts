import type { HttpServer } from '@demo/service-kit';
import type { CustomerService } from '../../services/customers.js';
import { createCustomerRoute } from './create.js';
import { deleteCustomerRoute } from './delete.js';
import { getCustomerRoute } from './get.js';
import { listCustomersRoute } from './list.js';
import { updateAddressRoute } from './update-address.js';

/** /customers: the customer API. */
export async function customerRoutes(app: HttpServer, options: { customers: CustomerService }) {
  createCustomerRoute(app, options.customers);
  getCustomerRoute(app, options.customers);
  listCustomersRoute(app, options.customers);
  updateAddressRoute(app, options.customers);
  deleteCustomerRoute(app, options.customers);
}
