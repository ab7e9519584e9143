/** node-postgres with its published types (the package itself ships none). */
// @ts-types="npm:@types/pg@8.23.1"
import pg from "pg";

export default pg;
export type { Client, ClientConfig, Notification, Pool, QueryResult } from "npm:@types/pg@8.23.1";
