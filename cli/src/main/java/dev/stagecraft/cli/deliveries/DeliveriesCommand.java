package dev.stagecraft.cli.deliveries;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import com.fasterxml.jackson.databind.JsonNode;

import dev.stagecraft.cli.Page;
import dev.stagecraft.cli.Stagecraft;
import dev.stagecraft.cli.gateway.Answer;
import dev.stagecraft.cli.gateway.Query;
import dev.stagecraft.cli.output.Cells;
import dev.stagecraft.cli.output.Table;

/** {@code stagecraft deliveries}: the webhook deliveries the gateway took, with their outcome. */
@Command(name = "deliveries", description = "Lists webhook deliveries with their outcome, newest first.")
public final class DeliveriesCommand {

    @ParentCommand
    Stagecraft root;

    @Spec
    CommandSpec spec;

    @Command(name = "list", description = "Lists webhook deliveries with their outcome, newest first.")
    void list(@Mixin Page page) {
        Answer answer = root.gateway().get("/api/deliveries", page.addTo(Query.of()));
        root.printer(spec).print(answer, deliveries -> {
            Table table = new Table("ID", "PROVIDER", "EVENT", "ACTION", "OUTCOME", "ENVIRONMENT", "RECEIVED",
                    "REASON");
            for (JsonNode d : deliveries) {
                table.row(Cells.text(d.get("id")), Cells.text(d.get("provider")), Cells.text(d.get("event")),
                        Cells.text(d.get("action")), Cells.text(d.get("outcome")), Cells.text(d.get("environmentId")),
                        Cells.time(d.get("receivedAt")), Cells.text(d.get("reason")));
            }
            return table.render();
        });
        page.mentionNext(answer, root.err(spec));
    }
}
