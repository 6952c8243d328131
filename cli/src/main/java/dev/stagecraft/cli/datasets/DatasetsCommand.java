package dev.stagecraft.cli.datasets;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import com.fasterxml.jackson.databind.JsonNode;

import dev.stagecraft.cli.Stagecraft;
import dev.stagecraft.cli.gateway.Query;
import dev.stagecraft.cli.output.Cells;
import dev.stagecraft.cli.output.Details;
import dev.stagecraft.cli.output.Table;

/** {@code stagecraft datasets}: the installation's datasets and their pools ({@code /api/datasets}). */
@Command(name = "datasets", description = "Shows the datasets environments check copies out of, and their pools.")
public final class DatasetsCommand {

    private static final String DATASETS = "/api/datasets";

    @ParentCommand
    Stagecraft root;

    @Spec
    CommandSpec spec;

    @Command(name = "list", description = "Lists the datasets with their pools (one per runtime that keeps the"
            + " dataset): copies ready, being made, checked out.")
    void list() {
        root.printer(spec).print(root.gateway().get(DATASETS, Query.of()), datasets -> {
            Table table = new Table("NAME", "RUNTIME", "SNAPSHOT", "READY", "FILLING", "CHECKED OUT", "SEEN",
                    "ERROR");
            for (JsonNode d : datasets) {
                table.row(Cells.text(d.get("name")), Cells.text(d.get("runtime")), d.path("snapshot").asBoolean() ? "yes" : "no",
                        d.path("ready").asInt() + "/" + d.path("poolSize").asInt(), d.path("filling").asInt(),
                        d.path("checkedOut").asInt(), Cells.time(d.get("observedAt")), Cells.text(d.get("error")));
            }
            return table.render();
        });
    }

    @Command(name = "show", description = "Shows one dataset's pool.")
    void show(@Parameters(paramLabel = "<name>", description = "The dataset's name.") String name,
            @Option(names = "--runtime", paramLabel = "<runtime>", description = "The runtime whose pool to show"
                    + " (docker, kubernetes); needed when both keep the dataset.") String runtime) {
        root.printer(spec).print(root.gateway().get(DATASETS + "/" + Query.encode(name), Query.of()
                .and("runtime", runtime)), d -> new Details()
                .field("Name", Cells.text(d.get("name"))).field("Runtime", Cells.text(d.get("runtime")))
                .field("Snapshot", d.path("snapshot").asBoolean() ? "restored" : "not yet")
                .field("Pool size", d.path("poolSize").asInt()).field("Ready", d.path("ready").asInt())
                .field("Filling", d.path("filling").asInt()).field("Checked out", d.path("checkedOut").asInt())
                .field("Seen", Cells.time(d.get("observedAt"))).field("Error", Cells.text(d.get("error")))
                .render());
    }
}
