package io.revokefs.scenario;

/**
 * The numbers of a script, range-checked where they are parsed: decimal or {@code 0x} hex, no sign
 * unless the range allows negatives, never wrapped. A number outside its range is a malformed line
 * naming the option, the value and the range.
 */
public final class Numbers {
    private Numbers() {
    }

    /**
     * Parses {@code text} as a number in {@code [min, max]}; {@code what} names it in messages
     * ({@code "uid"}, {@code "bar0"}).
     */
    public static long parse(Step step, String what, String text, long min, long max) {
        long v;
        try {
            boolean neg = text.startsWith("-");
            String digits = neg ? text.substring(1) : text;
            if (digits.isEmpty() || digits.startsWith("+") || digits.startsWith("-")) {
                throw new NumberFormatException();
            }
            // parseUnsignedLong then an explicit check: no value past 2^64 or past the range slips through as a wrap.
            long magnitude = digits.startsWith("0x") || digits.startsWith("0X")
                    ? Long.parseUnsignedLong(digits.substring(2), 16) : Long.parseUnsignedLong(digits);
            if (magnitude < 0 && !(neg && magnitude == Long.MIN_VALUE)) {
                throw outOfRange(step, what, text, min, max);
            }
            v = neg ? -magnitude : magnitude;
            if (neg && v > 0) {
                throw outOfRange(step, what, text, min, max);
            }
        } catch (NumberFormatException e) {
            if (text.matches("-?(0[xX])?[0-9a-fA-F]+")) {
                throw outOfRange(step, what, text, min, max);
            }
            throw new ScenarioException(ScenarioException.Kind.MALFORMED, step, what + ": '" + text + "' is not a number");
        }
        if (v < min || v > max) {
            throw outOfRange(step, what, text, min, max);
        }
        return v;
    }

    /** The option {@code name} of {@code step} in {@code [min, max]}, or {@code dflt} when absent. */
    public static long option(Step step, String name, long dflt, long min, long max) {
        String v = step.options().get(name);
        return v == null ? dflt : parse(step, name, v, min, max);
    }

    private static ScenarioException outOfRange(Step step, String what, String text, long min, long max) {
        return new ScenarioException(ScenarioException.Kind.MALFORMED, step,
                what + ": " + text + " is out of range (" + show(min) + " to " + show(max) + ")");
    }

    private static String show(long v) {
        return v >= 0x10000 ? "0x" + Long.toHexString(v) : Long.toString(v);
    }
}
