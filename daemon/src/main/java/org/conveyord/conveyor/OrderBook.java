package org.conveyord.conveyor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Orders the store system placed: which bags belong together and where they go. Idempotent on the
 * order id: the same order again changes nothing, a different bag list for the same id is a conflict.
 * Owned by the control thread.
 */
final class OrderBook {

    record OrderBag(String bag, Double grams) {}

    static final class Order {
        final String id;
        final List<OrderBag> bags;
        final String requestedDest;
        final String cmdId;
        String lane;
        long placedNanos;
        final Set<String> arrived = new LinkedHashSet<>();
        boolean complete;

        Order(String id, List<OrderBag> bags, String requestedDest, String cmdId) {
            this.id = id;
            this.bags = List.copyOf(bags);
            this.requestedDest = requestedDest;
            this.cmdId = cmdId;
        }

        List<String> bagIds() {
            return bags.stream().map(OrderBag::bag).toList();
        }
    }

    enum PlaceResult { PLACED, SAME_AGAIN, CONFLICT, BAG_IN_OTHER_ORDER }

    private final Map<String, Order> orders = new LinkedHashMap<>();
    private final Map<String, String> orderOfBag = new LinkedHashMap<>();

    PlaceResult place(String orderId, List<OrderBag> bags, String dest, String cmdId, long nowNanos) {
        Order existing = orders.get(orderId);
        if (existing != null) {
            boolean same = existing.bags.equals(bags) && java.util.Objects.equals(existing.requestedDest, dest);
            return same ? PlaceResult.SAME_AGAIN : PlaceResult.CONFLICT;
        }
        for (OrderBag b : bags) {
            String other = orderOfBag.get(b.bag());
            if (other != null) return PlaceResult.BAG_IN_OTHER_ORDER;
        }
        Order o = new Order(orderId, bags, dest, cmdId);
        o.placedNanos = nowNanos;
        orders.put(orderId, o);
        bags.forEach(b -> orderOfBag.put(b.bag(), orderId));
        return PlaceResult.PLACED;
    }

    /** After a restart: puts back an order exactly as it was saved. */
    Order restore(String id, List<OrderBag> bags, String requestedDest, String cmdId, String lane,
                  List<String> arrived, boolean complete, long restoredNanos) {
        Order o = new Order(id, bags, requestedDest, cmdId);
        o.placedNanos = restoredNanos;
        o.lane = lane;
        o.arrived.addAll(arrived);
        o.complete = complete;
        orders.put(id, o);
        bags.forEach(b -> orderOfBag.put(b.bag(), id));
        return o;
    }

    Optional<Order> orderOfBag(String bag) {
        String id = orderOfBag.get(bag);
        return id == null ? Optional.empty() : Optional.ofNullable(orders.get(id));
    }

    Optional<Order> order(String id) {
        return Optional.ofNullable(orders.get(id));
    }

    /** The lane was collected: its order is finished and forgotten. */
    void release(String orderId) {
        Order o = orders.remove(orderId);
        if (o != null) o.bagIds().forEach(orderOfBag::remove);
    }

    /**
     * Orders that never got a lane (every bag went to exception, or never came) and are older than
     * {@code maxAgeNanos}: forgotten, so that a day of rush hours cannot grow memory and the state file.
     */
    List<Order> expire(long nowNanos, long maxAgeNanos) {
        List<Order> gone = new ArrayList<>();
        for (Order o : orders.values()) {
            if (o.lane == null && nowNanos - o.placedNanos > maxAgeNanos) gone.add(o);
        }
        gone.forEach(o -> release(o.id));
        return gone;
    }

    int size() {
        return orders.size();
    }

    List<Order> all() {
        return new ArrayList<>(orders.values());
    }
}
