package dev.stagecraft.messaging.retention;

import java.util.List;

/** A service's own tables under {@link Retention}, as a CDI bean; rules apply in the order given. */
public interface RetentionRules {

    List<RetentionRule> rules();
}
