/** Where the running system answers (make dependencies). */
export const CUSTOMER_URL = process.env.CUSTOMER_URL ?? 'http://127.0.0.1:8080';
export const ORDER_URLS = (process.env.ORDER_URLS ?? 'http://127.0.0.1:8081,http://127.0.0.1:8082').split(',');
