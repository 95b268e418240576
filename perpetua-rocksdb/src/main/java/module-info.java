/**
 * The RocksDB store for Perpetua: a durable journal, snapshot store and checkpoint store in one
 * local directory, opened as {@code rocksdb:PATH}.
 */
module io.perpetua.rocksdb {
    requires transitive io.perpetua.core;
    requires rocksdbjni;
    requires org.slf4j;

    exports io.perpetua.rocksdb;

    provides io.perpetua.spi.StoreProvider with io.perpetua.rocksdb.RocksDbStoreProvider;
}
