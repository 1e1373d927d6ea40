package io.revokefs.history;

import org.axonframework.common.jdbc.ConnectionProvider;
import org.axonframework.common.transaction.Transaction;
import org.axonframework.common.transaction.TransactionManager;

import javax.sql.DataSource;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * An Axon {@link TransactionManager} over plain JDBC, and the {@link ConnectionProvider} that goes
 * with it: while a transaction is open on a thread, every {@link #getConnection()} on that thread
 * returns its one connection (whose {@code close} does nothing), and the transaction's commit
 * commits it. So a tracking processor's batch (its unit of work runs in one such transaction), the
 * token it stores and whatever the handler writes commit together or not at all. Outside a
 * transaction each call takes a connection of the pool, committed by whoever uses it.
 */
final class JdbcTransactions implements TransactionManager, ConnectionProvider {
    private final DataSource dataSource;
    private final ThreadLocal<Connection> bound = new ThreadLocal<>();

    JdbcTransactions(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    @Override
    public Transaction startTransaction() {
        if (bound.get() != null) {
            // Nested: the outer transaction commits.
            return new Transaction() {
                @Override
                public void commit() {
                }

                @Override
                public void rollback() {
                }
            };
        }
        Connection c;
        try {
            c = dataSource.getConnection();
            c.setAutoCommit(false);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot start a transaction: " + e.getMessage(), e);
        }
        bound.set(c);
        return new Transaction() {
            @Override
            public void commit() {
                try {
                    c.commit();
                } catch (SQLException e) {
                    throw new IllegalStateException("cannot commit: " + e.getMessage(), e);
                } finally {
                    release(c);
                }
            }

            @Override
            public void rollback() {
                try {
                    c.rollback();
                } catch (SQLException e) {
                    throw new IllegalStateException("cannot roll back: " + e.getMessage(), e);
                } finally {
                    release(c);
                }
            }
        };
    }

    private void release(Connection c) {
        bound.remove();
        try {
            c.close();
        } catch (SQLException e) {
            // returned to the pool, which discards a broken connection
        }
    }

    @Override
    public Connection getConnection() throws SQLException {
        Connection c = bound.get();
        if (c == null) {
            return dataSource.getConnection();
        }
        return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("close")) {
                        return null;
                    }
                    try {
                        return method.invoke(c, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }
}
