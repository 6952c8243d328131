package dev.stagecraft.cli;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

import dev.stagecraft.cli.applications.AppsCommand;
import dev.stagecraft.cli.config.ConfigFile;
import dev.stagecraft.cli.config.Connection;
import dev.stagecraft.cli.datasets.DatasetsCommand;
import dev.stagecraft.cli.deliveries.DeliveriesCommand;
import dev.stagecraft.cli.environments.EnvsCommand;
import dev.stagecraft.cli.events.EventsCommand;
import dev.stagecraft.cli.gateway.GatewayApi;
import dev.stagecraft.cli.login.LoginCommand;
import dev.stagecraft.cli.logs.LogsCommand;
import dev.stagecraft.cli.output.OutputFormat;
import dev.stagecraft.cli.output.Printer;
import dev.stagecraft.cli.tokens.TokensCommand;

/**
 * The {@code stagecraft} command: its global options (the gateway's URL, the token, the output format) and its
 * subcommands, one per feature of the gateway's public API.
 */
@Command(name = "stagecraft", scope = ScopeType.INHERIT, mixinStandardHelpOptions = true,
        versionProvider = Stagecraft.Version.class, sortOptions = false,
        description = "Drives a Stagecraft gateway: applications, environments, workflow logs, events and tokens.",
        subcommands = {LoginCommand.class, AppsCommand.class, EnvsCommand.class, LogsCommand.class,
            EventsCommand.class, TokensCommand.class, DeliveriesCommand.class, DatasetsCommand.class})
public final class Stagecraft {

    @Option(names = "--url", scope = ScopeType.INHERIT, paramLabel = "<url>", description = "The gateway's URL"
            + " (default: $" + Connection.URL_VARIABLE + ", else the one stagecraft login stored).")
    String url;

    @Option(names = "--token", scope = ScopeType.INHERIT, paramLabel = "<token>", description = "The API token"
            + " (default: $" + Connection.TOKEN_VARIABLE + ", else the one stagecraft login stored for the URL).")
    String token;

    @Option(names = {"-o", "--output"}, scope = ScopeType.INHERIT, paramLabel = "<format>",
            description = "table (default) or json: the API's JSON as it answered, pretty; streams print one"
                    + " object per line.")
    OutputFormat output;

    private final Shell shell;

    Stagecraft(Shell shell) {
        this.shell = shell;
    }

    public static void main(String... args) {
        System.exit(commandLine(Shell.current()).execute(args));
    }

    /**
     * The command, ready to {@link CommandLine#execute}, reading variables, the home folder and standard input from
     * {@code shell}; set its out and err writers to capture what it prints.
     */
    public static CommandLine commandLine(Shell shell) {
        CommandLine cli = new CommandLine(new Stagecraft(shell));
        Failures failures = new Failures();
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        cli.setExecutionExceptionHandler(failures);
        cli.setParameterExceptionHandler(failures);
        Map<String, String> exitCodes = new LinkedHashMap<>();
        for (ExitCode code : ExitCode.values()) {
            exitCodes.put(Integer.toString(code.code()), code.meaning());
        }
        cli.getCommandSpec().usageMessage().exitCodeListHeading("%nExit codes:%n").exitCodeList(exitCodes);
        return cli;
    }

    /** The API at the URL and with the token the options, the variables or the config file give. */
    public GatewayApi gateway() {
        return new GatewayApi(Connection.resolve(url, token, shell, configFile()), version());
    }

    /** Where the results of {@code command} go, in the format {@code -o} asked for. */
    public Printer printer(CommandSpec command) {
        return new Printer(command.commandLine().getOut(), output == null ? OutputFormat.TABLE : output);
    }

    /** Standard error of {@code command}: notes and warnings beside the results. */
    public PrintWriter err(CommandSpec command) {
        return command.commandLine().getErr();
    }

    public Shell shell() {
        return shell;
    }

    public ConfigFile configFile() {
        return ConfigFile.of(shell);
    }

    /** The {@code --url} option's value, null when not given. */
    public String urlOption() {
        return url;
    }

    /** The {@code --token} option's value, null when not given. */
    public String tokenOption() {
        return token;
    }

    /** The version in the jar's manifest; "development" when run from classes. */
    public static String version() {
        String version = Stagecraft.class.getPackage().getImplementationVersion();
        return version == null ? "development" : version;
    }

    /** The version in the jar's manifest. */
    static final class Version implements IVersionProvider {

        @Override
        public String[] getVersion() {
            return new String[] {"stagecraft " + version()};
        }
    }
}
