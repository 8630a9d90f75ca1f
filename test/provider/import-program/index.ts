/**
 * Declares the publication and the subscription test/provider/import.test.ts made by hand and
 * imported: the same objects the same way a user would, once `pulumi import` adopted them.
 * Config: `port` (the embedded server); the superuser password from AGOGSAAS_LOCAL_PG_PASSWORD.
 */
import * as pulumi from "@pulumi/pulumi";
import { Publication } from "../../../components/replication/publication";
import { Subscription } from "../../../components/replication/subscription";
import { LOCAL_SUPERUSER, localPassword } from "../../../stacks/local";

const port = new pulumi.Config("importtest").requireNumber("port");
const connection = (database: string) => ({ host: "127.0.0.1", port, database, user: LOCAL_SUPERUSER, password: pulumi.secret(localPassword()), ssl: "disable" as const });

new Publication("orders-pub", { connection: connection("pubdb"), publicationName: "orders_pub", tables: ["orders"] });
new Subscription("orders-sub", {
    connection: connection("subdb"), subscriptionName: "orders_sub",
    publisher: connection("pubdb"), publisherAdmin: connection("pubdb"),
    publications: ["orders_pub"], tables: ["orders"],
});
