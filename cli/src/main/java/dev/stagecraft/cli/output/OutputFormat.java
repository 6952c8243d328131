package dev.stagecraft.cli.output;

/** How results are printed: {@code table} for people, {@code json} as the API answered it. */
public enum OutputFormat {
    TABLE, JSON
}
