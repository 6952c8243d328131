package dev.stagecraft.events;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.List;
import java.util.Map;

/** Builds a populated instance of any record of the contract, with values derived from the component names. */
final class Samples {

    private Samples() {
    }

    static <T> T of(Class<T> type) {
        try {
            RecordComponent[] components = type.getRecordComponents();
            Class<?>[] types = new Class<?>[components.length];
            Object[] values = new Object[components.length];
            for (int i = 0; i < components.length; i++) {
                types[i] = components[i].getType();
                values[i] = value(components[i].getName(), components[i].getGenericType());
            }
            return type.getDeclaredConstructor(types).newInstance(values);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Object value(String name, Type generic) {
        Class<?> raw = generic instanceof ParameterizedType p ? (Class<?>) p.getRawType() : (Class<?>) generic;
        if (raw == String.class) {
            return name + "-value";
        }
        if (raw == int.class || raw == Integer.class) {
            return 8080;
        }
        if (raw == long.class || raw == Long.class) {
            return 61L;
        }
        if (raw == boolean.class) {
            return true;
        }
        if (raw == java.time.OffsetDateTime.class) {
            return java.time.OffsetDateTime.parse("2026-11-27T10:00:00Z");
        }
        if (raw == List.class) {
            Type element = ((ParameterizedType) generic).getActualTypeArguments()[0];
            return List.of(value(name, element));
        }
        if (raw == Map.class) {
            Type valueType = ((ParameterizedType) generic).getActualTypeArguments()[1];
            return Map.of(name + "-key", value(name, valueType));
        }
        if (raw.isRecord()) {
            return of(raw);
        }
        throw new IllegalArgumentException("no sample for " + generic);
    }
}
