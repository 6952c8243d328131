package dev.stagecraft.cli;

import java.io.PrintWriter;

import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;

import dev.stagecraft.cli.gateway.ApiFailure;

/**
 * Turns what went wrong into one {@code error: ...} message on standard error and the {@link ExitCode} it means:
 * the API's own code, message and details for a refused request, the reason for a usage mistake.
 */
final class Failures implements IExecutionExceptionHandler, IParameterExceptionHandler {

    @Override
    public int handleExecutionException(Exception e, CommandLine command, ParseResult parsed) {
        PrintWriter err = command.getErr();
        ExitCode exit;
        if (e instanceof ApiFailure failure) {
            err.println("error: " + failure.code() + ": " + failure.getMessage());
            failure.details().forEach(detail -> err.println("  " + detail));
            exit = failure.exitCode();
        } else if (e instanceof UsageException) {
            err.println("error: " + e.getMessage());
            exit = ExitCode.USAGE;
        } else {
            err.println("error: " + (e.getMessage() != null ? e.getMessage() : e.toString()));
            exit = ExitCode.FAILED;
        }
        err.flush();
        return exit.code();
    }

    @Override
    public int handleParseException(ParameterException e, String[] args) {
        CommandLine command = e.getCommandLine();
        PrintWriter err = command.getErr();
        err.println("error: " + e.getMessage());
        UnmatchedArgumentException.printSuggestions(e, err);
        err.println("See '" + command.getCommandSpec().qualifiedName() + " --help'.");
        err.flush();
        return ExitCode.USAGE.code();
    }
}
