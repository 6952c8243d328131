package dev.stagecraft.cli.tokens;

import java.util.List;
import java.util.Locale;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.stagecraft.cli.Json;
import dev.stagecraft.cli.Page;
import dev.stagecraft.cli.Stagecraft;
import dev.stagecraft.cli.gateway.Answer;
import dev.stagecraft.cli.gateway.Query;
import dev.stagecraft.cli.output.Cells;
import dev.stagecraft.cli.output.Details;
import dev.stagecraft.cli.output.Table;

/** {@code stagecraft tokens}: creates, lists and revokes API tokens ({@code /api/tokens}, admin role). */
@Command(name = "tokens", description = "Creates, lists and revokes API tokens (admin role).")
public final class TokensCommand {

    private static final String TOKENS = "/api/tokens";

    @ParentCommand
    Stagecraft root;

    @Spec
    CommandSpec spec;

    @Command(name = "create", description = "Creates a token; its text is shown this once.")
    void create(@Parameters(paramLabel = "<name>", description = "Who or what uses the token.") String name,
            @Option(names = "--role", required = true, paramLabel = "<role>", description = "viewer, deployer or"
                    + " admin.") String role,
            @Option(names = "--application", paramLabel = "<name>", description = "Limit a viewer or deployer token"
                    + " to this application; repeat for more (default: every application).")
            List<String> applications) {
        ObjectNode body = Json.object().put("name", name).put("role", role);
        if (applications != null) {
            ArrayNode names = body.putArray("applications");
            applications.forEach(names::add);
        }
        root.printer(spec).print(root.gateway().post(TOKENS, body), token -> new Details()
                .field("ID", Cells.text(token.get("id"))).field("Name", Cells.text(token.get("name")))
                .field("Role", Cells.text(token.get("role")))
                .field("Applications", token.hasNonNull("applications") ? Cells.list(token.get("applications"))
                        : "all")
                .field("Token", Cells.text(token.get("token"))).render()
                + "The token is shown this once: keep it now.\n");
    }

    @Command(name = "list", description = "Lists tokens, newest first (never their text).")
    void list(@Mixin Page page) {
        Answer answer = root.gateway().get(TOKENS, page.addTo(Query.of()));
        root.printer(spec).print(answer, tokens -> {
            Table table = new Table("ID", "NAME", "ROLE", "APPLICATIONS", "CREATED", "LAST USED");
            for (JsonNode token : tokens) {
                table.row(Cells.text(token.get("id")), Cells.text(token.get("name")),
                        token.path("role").asText("").toLowerCase(Locale.ROOT),
                        token.hasNonNull("applications") ? Cells.text(token.get("applications")) : "all",
                        Cells.time(token.get("createdAt")), Cells.time(token.get("lastUsedAt")));
            }
            return table.render();
        });
        page.mentionNext(answer, root.err(spec));
    }

    @Command(name = "revoke", description = "Revokes a token: the gateway refuses it from now on.")
    void revoke(@Parameters(paramLabel = "<id>", description = "The token's id.") String id) {
        root.gateway().delete(TOKENS + "/" + Query.encode(id));
        if (!root.printer(spec).json()) {
            root.printer(spec).line("token " + id + " revoked");
        }
    }
}
