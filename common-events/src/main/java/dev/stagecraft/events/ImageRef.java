package dev.stagecraft.events;

/** The image a build produced for one service; {@code built} is false when an existing image was reused. */
public record ImageRef(String service, String image, boolean built) {
}
